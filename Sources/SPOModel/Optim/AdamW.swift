import Foundation

/// Hyper-parameters of AdamW (Loshchilov & Hutter, "Decoupled Weight Decay
/// Regularization", ICLR 2019, Algorithm 2). JSON keys: `learning_rate`, `beta1`, `beta2`,
/// `epsilon`, `weight_decay`; all but `learning_rate` may be omitted (defaults below).
public struct AdamWConfiguration: Codable, Sendable, Equatable {
    /// Peak learning rate; the rate of a step comes from a `LearningRateSchedule`.
    public var learningRate: Float
    /// Decay of the first-moment (mean) estimate, in [0, 1).
    public var beta1: Float
    /// Decay of the second-moment (uncentred variance) estimate, in [0, 1).
    public var beta2: Float
    /// Added to sqrt(v̂) in the denominator; > 0.
    public var epsilon: Float
    /// Decoupled weight decay λ (multiplied by the step's learning rate); >= 0.
    public var weightDecay: Float

    /// Memberwise initialiser with the paper's defaults; call `validate()` before use.
    public init(
        learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// Throws `OptimizerConfigurationError` naming the first field out of range.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ value: Float, _ expected: String) throws {
            guard ok, value.isFinite else {
                throw OptimizerConfigurationError(field: field, value: "\(value)", expected: expected)
            }
        }
        try check(learningRate >= 0, "learning_rate", learningRate, "a finite value >= 0")
        try check(beta1 >= 0 && beta1 < 1, "beta1", beta1, "a value in [0, 1)")
        try check(beta2 >= 0 && beta2 < 1, "beta2", beta2, "a value in [0, 1)")
        try check(epsilon > 0, "epsilon", epsilon, "a finite value > 0")
        try check(weightDecay >= 0, "weight_decay", weightDecay, "a finite value >= 0")
    }

    enum CodingKeys: String, CodingKey {
        case learningRate = "learning_rate", beta1, beta2, epsilon, weightDecay = "weight_decay"
    }

    /// Decodes, fills omitted optional fields with defaults, then validates.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = AdamWConfiguration(learningRate: 0)
        self.init(
            learningRate: try container.decode(Float.self, forKey: .learningRate),
            beta1: try container.decodeIfPresent(Float.self, forKey: .beta1) ?? defaults.beta1,
            beta2: try container.decodeIfPresent(Float.self, forKey: .beta2) ?? defaults.beta2,
            epsilon: try container.decodeIfPresent(Float.self, forKey: .epsilon) ?? defaults.epsilon,
            weightDecay: try container.decodeIfPresent(Float.self, forKey: .weightDecay)
                ?? defaults.weightDecay)
        try validate()
    }
}

/// An optimiser setting out of range: which key, the value seen, what is allowed.
public struct OptimizerConfigurationError: Error, CustomStringConvertible {
    /// Configuration key, as spelled in JSON.
    public let field: String
    /// The rejected value, printed.
    public let value: String
    /// The allowed range, in words.
    public let expected: String

    /// "optimizer setting '<field>' is <value>; expected <range>".
    public var description: String {
        "optimizer setting '\(field)' is \(value); expected \(expected)"
    }
}

/// AdamW over one flat parameter vector of P floats, with its moment buffers.
///
/// One `update` at step t (t = 1, 2, … counted after the increment), learning rate η,
/// for each element i:
///
///     p ← p − η λ p                                  (decoupled weight decay)
///     m ← β1 m + (1 − β1) g
///     v ← β2 v + (1 − β2) g²
///     p ← p − η m̂ / (sqrt(v̂) + ε),   m̂ = m / (1 − β1^t),   v̂ = v / (1 − β2^t)
///
/// As in PyTorch's `AdamW`, the decay term uses the scheduled η (the paper's η_t·λ with
/// α folded in) and applies to every element; keep parameters that must not decay
/// (norm gains) out of this optimiser or give them their own with λ = 0.
public final class AdamW {
    /// Hyper-parameters; `configuration.learningRate` is informational here, the rate
    /// of each step is passed to `update`.
    public let configuration: AdamWConfiguration
    /// P, the length of every buffer.
    public let parameterCount: Int
    /// Number of updates applied (t of the last update; 0 before the first).
    public private(set) var step: Int = 0
    /// m, P floats, owned by the optimiser; save it in checkpoints.
    public let firstMoment: UnsafeMutableBufferPointer<Float>
    /// v, P floats, owned by the optimiser; save it in checkpoints.
    public let secondMoment: UnsafeMutableBufferPointer<Float>

    /// Zero moments for `parameterCount` parameters. Throws if `parameterCount` < 0 or
    /// `configuration.validate()` fails.
    public init(parameterCount: Int, configuration: AdamWConfiguration) throws {
        guard parameterCount >= 0 else {
            throw OptimizerConfigurationError(
                field: "parameter_count", value: "\(parameterCount)", expected: "a count >= 0")
        }
        try configuration.validate()
        self.configuration = configuration
        self.parameterCount = parameterCount
        firstMoment = .allocate(capacity: parameterCount)
        firstMoment.initialize(repeating: 0)
        secondMoment = .allocate(capacity: parameterCount)
        secondMoment.initialize(repeating: 0)
    }

    deinit {
        firstMoment.deallocate()
        secondMoment.deallocate()
    }

    /// Sets the step counter and copies both moment vectors (each P floats), e.g. from a
    /// checkpoint; the next `update` then runs as step `step + 1`.
    public func restore(
        step: Int, firstMoment: UnsafeBufferPointer<Float>, secondMoment: UnsafeBufferPointer<Float>
    ) throws {
        guard step >= 0 else {
            throw OptimizerConfigurationError(field: "step", value: "\(step)", expected: "a count >= 0")
        }
        for (name, source) in [("first_moment", firstMoment), ("second_moment", secondMoment)]
        where source.count != parameterCount {
            throw OptimizerConfigurationError(
                field: name, value: "\(source.count) floats",
                expected: "\(parameterCount) floats, one per parameter")
        }
        _ = self.firstMoment.update(fromContentsOf: firstMoment)
        _ = self.secondMoment.update(fromContentsOf: secondMoment)
        self.step = step
    }

    /// Applies one AdamW step (formula on the type) to `parameters` in place.
    /// `count` must equal `parameterCount`; `gradients` holds dL/dp for the same layout.
    public func update(
        parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
        count: Int, learningRate: Float
    ) {
        precondition(count == parameterCount, "AdamW.update: count \(count) != parameterCount \(parameterCount)")
        step += 1
        let beta1 = configuration.beta1, beta2 = configuration.beta2
        let decay = 1 - learningRate * configuration.weightDecay
        // η m̂ / (sqrt(v̂) + ε) = (η / c1) m / (sqrt(v) / sqrt(c2) + ε), c_k = 1 − β_k^t.
        let correction1 = 1 - Foundation.pow(Double(beta1), Double(step))
        let correction2 = 1 - Foundation.pow(Double(beta2), Double(step))
        let stepSize = Float(Double(learningRate) / correction1)
        let inverseRoot2 = Float(1 / correction2.squareRoot())
        let epsilon = configuration.epsilon
        let m = firstMoment.baseAddress!, v = secondMoment.baseAddress!
        let vectorEnd = count - count % 8
        var i = 0
        while i < vectorEnd {
            let g = UnsafeRawPointer(gradients + i).loadUnaligned(as: SIMD8<Float>.self)
            var p = UnsafeRawPointer(parameters + i).loadUnaligned(as: SIMD8<Float>.self)
            var mi = UnsafeRawPointer(m + i).loadUnaligned(as: SIMD8<Float>.self)
            var vi = UnsafeRawPointer(v + i).loadUnaligned(as: SIMD8<Float>.self)
            p *= decay
            mi = beta1 * mi + (1 - beta1) * g
            vi = beta2 * vi + (1 - beta2) * (g * g)
            p -= stepSize * mi / (vi.squareRoot() * inverseRoot2 + epsilon)
            UnsafeMutableRawPointer(parameters + i).storeBytes(of: p, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(m + i).storeBytes(of: mi, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(v + i).storeBytes(of: vi, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            let g = gradients[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * (g * g)
            parameters[i] = parameters[i] * decay
                - stepSize * m[i] / (v[i].squareRoot() * inverseRoot2 + epsilon)
            i += 1
        }
    }
}
