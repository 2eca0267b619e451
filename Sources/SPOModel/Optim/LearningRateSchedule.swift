/// The learning rate η as a function of the optimiser step s = 0, 1, 2, …
/// (s is the number of updates already applied; `AdamW.step` before the update).
///
/// JSON: `{"kind": "constant", "rate": 0.001}` or
/// `{"kind": "linear_warmup_linear_decay", "peak": 0.001, "warmup_steps": 30,
///   "total_steps": 1000, "final": 0}` (`final` may be omitted: 0).
public enum LearningRateSchedule: Codable, Sendable, Equatable {
    /// η(s) = rate.
    case constant(rate: Float)
    /// Linear warm-up to `peak`, then linear decay to `final` (W = warmupSteps,
    /// T = totalSteps):
    ///
    ///     η(s) = peak · (s + 1) / W                         for s < W
    ///     η(s) = peak + (final − peak) · (s − W) / (T − W)   for W ≤ s < T
    ///     η(s) = final                                       for s ≥ T
    ///
    /// The warm-up counts s + 1 so the first step does not run at η = 0.
    case linearWarmupLinearDecay(peak: Float, warmupSteps: Int, totalSteps: Int, final: Float = 0)

    /// Linear warm-up over a fraction `f` of `totalSteps` (W = max(1, round(f · T)),
    /// halves away from zero), then linear decay to `final`. The method uses f = 0.03.
    public static func warmupFraction(
        _ f: Double, peak: Float, totalSteps: Int, final: Float = 0
    ) -> LearningRateSchedule {
        let warmupSteps = max(1, Int((f * Double(totalSteps)).rounded()))
        return .linearWarmupLinearDecay(
            peak: peak, warmupSteps: warmupSteps, totalSteps: totalSteps, final: final)
    }

    /// η(s) per the case's formula; a negative `step` is treated as 0.
    public func rate(atStep step: Int) -> Float {
        switch self {
        case .constant(let rate):
            return rate
        case .linearWarmupLinearDecay(let peak, let warmupSteps, let totalSteps, let final):
            let s = max(0, step)
            if s < warmupSteps { return peak * Float(s + 1) / Float(warmupSteps) }
            if s >= totalSteps { return final }
            let progress = Float(s - warmupSteps) / Float(totalSteps - warmupSteps)
            return peak + (final - peak) * progress
        }
    }

    /// Throws `OptimizerConfigurationError` for a rate that is negative or not finite,
    /// a negative step count, or `totalSteps < warmupSteps`.
    public func validate() throws {
        func rate(_ value: Float, _ field: String) throws {
            guard value.isFinite, value >= 0 else {
                throw OptimizerConfigurationError(field: field, value: "\(value)", expected: "a finite value >= 0")
            }
        }
        switch self {
        case .constant(let value):
            try rate(value, "rate")
        case .linearWarmupLinearDecay(let peak, let warmupSteps, let totalSteps, let final):
            try rate(peak, "peak")
            try rate(final, "final")
            guard warmupSteps >= 0 else {
                throw OptimizerConfigurationError(
                    field: "warmup_steps", value: "\(warmupSteps)", expected: "a count >= 0")
            }
            guard totalSteps >= warmupSteps else {
                throw OptimizerConfigurationError(
                    field: "total_steps", value: "\(totalSteps)",
                    expected: "a count >= warmup_steps (\(warmupSteps))")
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, rate, peak, final
        case warmupSteps = "warmup_steps"
        case totalSteps = "total_steps"
    }

    static let constantKind = "constant"
    static let linearWarmupLinearDecayKind = "linear_warmup_linear_decay"

    /// Decodes by `kind`, then validates; an unknown kind names the known ones.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case Self.constantKind:
            self = .constant(rate: try container.decode(Float.self, forKey: .rate))
        case Self.linearWarmupLinearDecayKind:
            self = .linearWarmupLinearDecay(
                peak: try container.decode(Float.self, forKey: .peak),
                warmupSteps: try container.decode(Int.self, forKey: .warmupSteps),
                totalSteps: try container.decode(Int.self, forKey: .totalSteps),
                final: try container.decodeIfPresent(Float.self, forKey: .final) ?? 0)
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container,
                debugDescription: "unknown learning-rate schedule kind \"\(kind)\"; expected "
                    + "\"\(Self.constantKind)\" or \"\(Self.linearWarmupLinearDecayKind)\"")
        }
        try validate()
    }

    /// Encodes as the JSON shown on the type.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .constant(let rate):
            try container.encode(Self.constantKind, forKey: .kind)
            try container.encode(rate, forKey: .rate)
        case .linearWarmupLinearDecay(let peak, let warmupSteps, let totalSteps, let final):
            try container.encode(Self.linearWarmupLinearDecayKind, forKey: .kind)
            try container.encode(peak, forKey: .peak)
            try container.encode(warmupSteps, forKey: .warmupSteps)
            try container.encode(totalSteps, forKey: .totalSteps)
            try container.encode(final, forKey: .final)
        }
    }
}
