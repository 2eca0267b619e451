import Foundation

/// A critic checkpoint is a `ModelCheckpoint` directory whose files also hold the value head:
///
///     config.json              the transformer's config (Hugging Face keys)
///     model.safetensors        the transformer's tensors (Hugging Face names), then
///                              value_head.weight [1, D] and value_head.bias [1]
///                              (the `nn.Linear(D, 1)` shapes)
///     optimizer.safetensors    optional: "<tensor>.exp_avg" / ".exp_avg_sq" for every tensor
///                              above, the value head's included; the step in the metadata
///     trainer_state.json       optional
///
/// Written atomically like `ModelCheckpoint`. `ModelCheckpoint.loadModel` opens it as a plain
/// Llama (the value head tensors are ignored).
extension Critic {
    /// Tensor name of w.
    public static let valueHeadWeightName = "value_head.weight"
    /// Tensor name of b.
    public static let valueHeadBiasName = "value_head.bias"

    /// Writes the critic (and optionally its optimizer and a trainer state) to `directory`.
    public func save(to directory: URL, optimizer: CriticOptimizer? = nil, trainerState: Data? = nil) throws {
        let weights = head.tensors(head.parameters.pointer, suffix: "")
        let moments = optimizer.map {
            head.tensors($0.head.firstMoment.baseAddress!, suffix: ".exp_avg")
                + head.tensors($0.head.secondMoment.baseAddress!, suffix: ".exp_avg_sq")
        } ?? []
        try ModelCheckpoint.save(
            model, optimizer: optimizer?.transformer, trainerState: trainerState,
            additionalWeights: weights, additionalOptimizerState: moments, to: directory)
    }

    /// Loads a critic checkpoint; errors name the file and the missing or mis-shaped tensor.
    public static func load(from directory: URL) throws -> Critic {
        let model = try ModelCheckpoint.loadModel(from: directory)
        let head = ValueHead(hiddenSize: model.config.hiddenSize)
        let file = try SafetensorsFile.read(contentsOf: directory.appendingPathComponent(ModelCheckpoint.weightsFile))
        try head.copy(from: file, into: head.parameters.pointer, suffix: "")
        return Critic(model: model, head: head)
    }

    /// Loads a critic whose transformer has `config` from the bytes of its
    /// `model.safetensors` held in memory (streamed from another host); `label` names the
    /// bytes in errors.
    public static func load(config: LlamaConfig, safetensors bytes: Data, label: String) throws -> Critic {
        let model = try ModelCheckpoint.loadModel(config: config, safetensors: bytes, label: label)
        let head = ValueHead(hiddenSize: config.hiddenSize)
        try head.copy(from: SafetensorsFile(bytes: bytes, path: label), into: head.parameters.pointer, suffix: "")
        return Critic(model: model, head: head)
    }
}

extension CriticOptimizer {
    /// Restores both moment sets and the step from a critic checkpoint's
    /// `optimizer.safetensors`, if it has one.
    /// - Returns: whether the file was there.
    @discardableResult
    public func restore(for critic: Critic, from directory: URL) throws -> Bool {
        guard try ModelCheckpoint.restoreOptimizer(transformer, layout: critic.model.layout, from: directory) else {
            return false
        }
        let file = try SafetensorsFile.read(contentsOf: directory.appendingPathComponent(ModelCheckpoint.optimizerFile))
        let first = FloatBuffer(count: critic.head.parameterCount), second = FloatBuffer(count: critic.head.parameterCount)
        try critic.head.copy(from: file, into: first.pointer, suffix: ".exp_avg")
        try critic.head.copy(from: file, into: second.pointer, suffix: ".exp_avg_sq")
        try head.restore(step: transformer.step, firstMoment: UnsafeBufferPointer(first.buffer),
                         secondMoment: UnsafeBufferPointer(second.buffer))
        return true
    }
}

extension ValueHead {
    /// w as [1, D] and b as [1], read from `base` [D + 1], named with `suffix`.
    func tensors(_ base: UnsafeMutablePointer<Float>, suffix: String) -> [SafetensorsTensor] {
        [SafetensorsTensor(name: Critic.valueHeadWeightName + suffix, shape: [1, hiddenSize],
                           values: UnsafeBufferPointer(start: base, count: hiddenSize)),
         SafetensorsTensor(name: Critic.valueHeadBiasName + suffix, shape: [1],
                           values: UnsafeBufferPointer(start: base + hiddenSize, count: 1))]
    }

    /// Reads w [1, D] and b [1] (named with `suffix`) from `file` into `base` [D + 1].
    func copy(from file: SafetensorsFile, into base: UnsafeMutablePointer<Float>, suffix: String) throws {
        for (name, shape, offset) in [(Critic.valueHeadWeightName, [1, hiddenSize], 0),
                                      (Critic.valueHeadBiasName, [1], hiddenSize)] {
            let key = name + suffix
            guard let info = file.tensors[key] else {
                throw SafetensorsError(path: file.path, tensor: key, problem: "missing (a critic checkpoint needs it)")
            }
            guard info.shape == shape else {
                throw SafetensorsError(path: file.path, tensor: key,
                                       problem: "shape \(info.shape) does not match the value head's \(shape)")
            }
            try file.copyFloats(key, into: UnsafeMutableBufferPointer(start: base + offset, count: shape.reduce(1, *)))
        }
    }
}
