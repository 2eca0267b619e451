import Foundation

/// A decoder-only Llama transformer in float32: its config, its parameters in one flat
/// buffer (see `LlamaLayout`), a gradient buffer of the same layout, and reusable
/// activation memory.
///
/// Legend used in shape comments across the model files:
///   N tokens in a packed batch, S sequences, R scored positions, D hidden size,
///   I intermediate size, H query heads, Hkv key/value heads, d head dimension, V vocabulary.
///
/// Not thread-safe: one forward/backward (or inference call) at a time per model.
public final class LlamaModel: @unchecked Sendable {
    public let config: LlamaConfig
    public let layout: LlamaLayout
    /// All parameters, [layout.parameterCount].
    public let parameters: FloatBuffer
    /// Rotary tables for positions 0..<config.maximumPositions.
    public let rotary: RotaryEmbedding
    /// Activation and scratch memory of the training forward/backward.
    let workspace = Workspace()
    /// Counts forward passes; a backward call must belong to the latest one.
    var forwardGeneration = 0
    private var gradientStorage: FloatBuffer?

    /// A model with parameters from `parameters` (or zeros) laid out by `LlamaLayout`.
    public init(config: LlamaConfig, parameters: FloatBuffer? = nil) {
        self.config = config
        layout = LlamaLayout(config: config)
        if let parameters {
            precondition(parameters.count == layout.parameterCount,
                         "parameter buffer has \(parameters.count) floats, layout needs \(layout.parameterCount)")
            self.parameters = parameters
        } else {
            self.parameters = FloatBuffer(count: layout.parameterCount)
        }
        rotary = RotaryEmbedding(
            headDimension: config.headDimension, base: config.ropeTheta,
            maximumPosition: config.maximumPositions)
    }

    /// A freshly initialised model: matrices ~ N(0, σ²) (σ = 0.02, Hugging Face's
    /// `initializer_range`), RMSNorm weights 1, drawn from a stream seeded by `seed`.
    public convenience init(config: LlamaConfig, seed: UInt64, standardDeviation: Float = 0.02) {
        self.init(config: config)
        var random = RandomStream(seed: seed)
        for tensor in layout.tensors {
            let p = parameters.pointer + tensor.offset
            if LlamaLayout.isNormWeight(tensor.name) {
                p.update(repeating: 1, count: tensor.count)
                continue
            }
            var i = 0
            while i < tensor.count {
                // Box–Muller: two independent normals per pair of uniforms.
                let u1 = max(random.nextUniform(), 1e-300), u2 = random.nextUniform()
                let radius = (-2 * Foundation.log(u1)).squareRoot()
                p[i] = Float(radius * cos(2 * .pi * u2)) * standardDeviation
                if i + 1 < tensor.count { p[i + 1] = Float(radius * sin(2 * .pi * u2)) * standardDeviation }
                i += 2
            }
        }
    }

    /// Gradients of every parameter, same layout as `parameters`; allocated (zeroed) on first use.
    public var gradients: FloatBuffer {
        if let gradientStorage { return gradientStorage }
        let buffer = FloatBuffer(count: layout.parameterCount)
        gradientStorage = buffer
        return buffer
    }

    /// Sets all gradients to zero.
    public func zeroGradients() { gradients.zero() }

    /// Releases cached activation memory (it is re-allocated on the next training call).
    public func releaseActivationMemory() { workspace.removeAll() }

    /// Bytes of activation and scratch memory currently held.
    public var activationBytes: Int { workspace.byteCount }

    /// A copy of one named tensor's values.
    public func tensor(named name: String) -> [Float]? {
        guard let t = layout.tensors.first(where: { $0.name == name }) else { return nil }
        return Array(UnsafeBufferPointer(start: parameters.pointer + t.offset, count: t.count))
    }
}
