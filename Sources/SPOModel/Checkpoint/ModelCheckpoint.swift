import Foundation

/// A checkpoint directory that Hugging Face `transformers` opens as a Llama model:
///
///     config.json              the model config (Hugging Face keys)
///     model.safetensors        parameters, F32, Hugging Face tensor names (no lm_head when tied)
///     optimizer.safetensors    optional: AdamW moments, "<tensor>.exp_avg" / "<tensor>.exp_avg_sq",
///                              with the step count in the metadata
///     trainer_state.json       optional: the caller's training state (step, schedule, seeds, ...)
///
/// The directory is written to a temporary sibling and renamed into place, so a crash leaves
/// either the old checkpoint or the new one, never a mix.
public enum ModelCheckpoint {
    public static let configFile = "config.json"
    public static let weightsFile = "model.safetensors"
    public static let optimizerFile = "optimizer.safetensors"
    public static let trainerStateFile = "trainer_state.json"

    /// Writes `model` (and optionally its optimizer and a trainer state) to `directory`.
    public static func save(
        _ model: LlamaModel, optimizer: AdamW? = nil, trainerState: Data? = nil, to directory: URL
    ) throws {
        try save(model, optimizer: optimizer, trainerState: trainerState, additionalWeights: [],
                 additionalOptimizerState: [], to: directory)
    }

    /// `save`, with `additionalWeights` written after the model's tensors in
    /// `model.safetensors` and `additionalOptimizerState` after the moments in
    /// `optimizer.safetensors` (written only with an optimizer). A value head rides here.
    static func save(
        _ model: LlamaModel, optimizer: AdamW?, trainerState: Data?,
        additionalWeights: [SafetensorsTensor], additionalOptimizerState: [SafetensorsTensor], to directory: URL
    ) throws {
        try FileManager.default.createDirectory(
            at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.writeDirectory(at: directory) { temporary in
            try AtomicFile.write(model.config.jsonData(), to: temporary.appendingPathComponent(configFile))
            try SafetensorsFile.write(
                tensors(model.layout, model.parameters.pointer) + additionalWeights, metadata: ["format": "pt"],
                to: temporary.appendingPathComponent(weightsFile))
            if let optimizer {
                let first = tensors(model.layout, optimizer.firstMoment.baseAddress!, suffix: ".exp_avg")
                let second = tensors(model.layout, optimizer.secondMoment.baseAddress!, suffix: ".exp_avg_sq")
                try SafetensorsFile.write(
                    first + second + additionalOptimizerState, metadata: ["step": "\(optimizer.step)"],
                    to: temporary.appendingPathComponent(optimizerFile))
            }
            if let trainerState {
                try AtomicFile.write(trainerState, to: temporary.appendingPathComponent(trainerStateFile))
            }
        }
    }

    /// Loads the model of a checkpoint directory (F32, F16 or BF16 tensors).
    ///
    /// Every tensor of the layout must be present with its shape; `lm_head.weight` is used
    /// only when the config does not tie embeddings. Errors name the file and tensor.
    public static func loadModel(from directory: URL) throws -> LlamaModel {
        let config = try LlamaConfig(contentsOf: directory.appendingPathComponent(configFile))
        let model = LlamaModel(config: config)
        let file = try SafetensorsFile.read(contentsOf: directory.appendingPathComponent(weightsFile))
        try copy(file, into: model.parameters.pointer, layout: model.layout)
        return model
    }

    /// Loads a model of `config` from the bytes of a `model.safetensors` file held in
    /// memory (weights streamed from another host); `label` names the bytes in errors.
    /// The same checks as `loadModel(from:)`.
    public static func loadModel(config: LlamaConfig, safetensors bytes: Data, label: String) throws -> LlamaModel {
        let model = LlamaModel(config: config)
        try copy(SafetensorsFile(bytes: bytes, path: label), into: model.parameters.pointer, layout: model.layout)
        return model
    }

    /// Restores AdamW moments and step from `optimizer.safetensors`, if the checkpoint has one.
    /// - Returns: whether the file was there.
    @discardableResult
    public static func restoreOptimizer(_ optimizer: AdamW, layout: LlamaLayout, from directory: URL) throws -> Bool {
        let url = directory.appendingPathComponent(optimizerFile)
        guard FileManager.default.fileExists(atPath: url.path) else { return false }
        let file = try SafetensorsFile.read(contentsOf: url)
        let first = FloatBuffer(count: layout.parameterCount), second = FloatBuffer(count: layout.parameterCount)
        try copy(file, into: first.pointer, layout: layout, suffix: ".exp_avg")
        try copy(file, into: second.pointer, layout: layout, suffix: ".exp_avg_sq")
        guard let stepText = file.metadata["step"], let step = Int(stepText) else {
            throw SafetensorsError(path: url.path, tensor: nil, problem: "metadata has no integer `step`")
        }
        try optimizer.restore(step: step, firstMoment: UnsafeBufferPointer(first.buffer),
                              secondMoment: UnsafeBufferPointer(second.buffer))
        return true
    }

    /// The trainer state JSON of a checkpoint, if any.
    public static func trainerState(in directory: URL) -> Data? {
        try? Data(contentsOf: directory.appendingPathComponent(trainerStateFile))
    }

    private static func tensors(_ layout: LlamaLayout, _ base: UnsafeMutablePointer<Float>, suffix: String = "")
        -> [SafetensorsTensor]
    {
        layout.tensors.map {
            SafetensorsTensor(name: $0.name + suffix, shape: $0.shape,
                              values: UnsafeBufferPointer(start: base + $0.offset, count: $0.count))
        }
    }

    private static func copy(
        _ file: SafetensorsFile, into base: UnsafeMutablePointer<Float>, layout: LlamaLayout, suffix: String = ""
    ) throws {
        for tensor in layout.tensors {
            let name = tensor.name + suffix
            guard let info = file.tensors[name] else {
                throw SafetensorsError(path: file.path, tensor: name, problem: "missing (the model config needs it)")
            }
            guard info.shape == tensor.shape else {
                throw SafetensorsError(path: file.path, tensor: name,
                                       problem: "shape \(info.shape) does not match the config's \(tensor.shape)")
            }
            try file.copyFloats(name, into: UnsafeMutableBufferPointer(start: base + tensor.offset, count: tensor.count))
        }
    }
}
