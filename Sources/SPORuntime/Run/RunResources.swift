import Foundation
import SPOModel
import SPOPipelineSpec
import SPOTasks
import SPOTraining

/// What the stages and the driver open from a resolved spec: the task, the tokenizer and
/// the starting policy. Paths are relative to the working directory (docs/pipeline-spec.md,
/// "Paths").
public enum RunResources {
    /// The working directory every relative path of the spec is resolved against.
    static var baseDirectory: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath) }

    /// The task spec of the spec's `task` object (passed through to the tasks module).
    public static func task(_ spec: ResolvedPipelineSpec) throws -> TaskSpec {
        do {
            return try JSONDecoder().decode(TaskSpec.self, from: JSONEncoder().encode(spec.task))
        } catch let error as DecodingError {
            throw RuntimeError("spec \(spec.name): $.task: \(DecodingErrorText.describe(error))")
        }
    }

    /// The task seen through the spec's tokenizer.
    public static func binding(_ spec: ResolvedPipelineSpec) throws -> TaskBinding {
        let tokenizer = try TokenizerLoading.load(contentsOf: URL(fileURLWithPath: spec.tokenizer, relativeTo: baseDirectory))
        return TaskBinding(spec: try task(spec), tokenizer: tokenizer)
    }

    /// The config of the starting policy (its checkpoint's `config.json`, or the spec's
    /// config), without loading weights.
    public static func initialConfig(_ spec: ResolvedPipelineSpec) throws -> LlamaConfig {
        switch spec.model {
        case .checkpoint(let path):
            return try LlamaConfig(contentsOf: URL(fileURLWithPath: path, relativeTo: baseDirectory)
                .appendingPathComponent(ModelCheckpoint.configFile))
        case .config(let path, _):
            return try LlamaConfig(contentsOf: URL(fileURLWithPath: path, relativeTo: baseDirectory))
        }
    }

    /// The starting policy π_ref (= version 0): the spec's checkpoint, or fresh weights
    /// from its config and `init_seed`.
    public static func initialModel(_ spec: ResolvedPipelineSpec) throws -> LlamaModel {
        switch spec.model {
        case .checkpoint(let path):
            return try ModelCheckpoint.loadModel(from: URL(fileURLWithPath: path, relativeTo: baseDirectory))
        case .config(let path, let initSeed):
            let config = try LlamaConfig(contentsOf: URL(fileURLWithPath: path, relativeTo: baseDirectory))
            return LlamaModel(config: config, seed: initSeed)
        }
    }
}
