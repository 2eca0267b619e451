import Foundation
import SPOModel
import SPOTasks

/// Where a run's starting model comes from: a checkpoint directory, or a config.json and a
/// seed for fresh weights. JSON: `{"checkpoint": "runs/sft-default/checkpoint"}` or
/// `{"config": "configs/models/tiny.json", "init_seed": 1}`.
public struct ModelSource: Codable, Sendable, Equatable {
    public var checkpoint: String?
    public var config: String?
    public var initSeed: UInt64?

    enum CodingKeys: String, CodingKey { case checkpoint, config, initSeed = "init_seed" }

    /// Loads or initialises the model; relative paths resolve against `base`.
    public func load(base: URL) throws -> LlamaModel {
        switch (checkpoint, config) {
        case (let checkpoint?, nil):
            return try ModelCheckpoint.loadModel(from: URL(fileURLWithPath: checkpoint, relativeTo: base))
        case (nil, let config?):
            let parsed = try LlamaConfig(contentsOf: URL(fileURLWithPath: config, relativeTo: base))
            return LlamaModel(config: parsed, seed: initSeed ?? 0)
        default:
            throw TrainingError("`model` needs exactly one of `checkpoint` or `config`")
        }
    }
}

/// The JSON config of `spo sft` (see configs/sft/default.json). Relative paths resolve
/// against the current directory (run from the repository root).
public struct SupervisedRunConfig: Codable, Sendable {
    public var model: ModelSource
    public var tokenizer: String
    public var task: TaskSpec
    /// Training problems generated / read from the task's train split.
    public var trainExamples: Int
    public var training: SupervisedTrainingOptions
    /// Run directory: checkpoint/, metrics.jsonl, config.json (this file, resolved).
    public var output: String
    /// Defaults for `spo eval` of the result.
    public var evaluation: EvaluationOptions?

    enum CodingKeys: String, CodingKey {
        case model, tokenizer, task, trainExamples = "train_examples", training, output, evaluation
    }

    public static func load(contentsOf url: URL) throws -> SupervisedRunConfig {
        do {
            return try JSONDecoder().decode(SupervisedRunConfig.self, from: Data(contentsOf: url))
        } catch let error as DecodingError {
            throw TrainingError("\(url.path): \(DecodingErrorText.describe(error))")
        }
    }
}

/// What `spo eval` reads from a config: an SFT config or a pipeline spec both have these
/// keys (other keys are ignored).
public struct EvaluationSource: Codable, Sendable {
    public var tokenizer: String
    public var task: TaskSpec
    public var evaluation: EvaluationOptions?

    public static func load(contentsOf url: URL) throws -> EvaluationSource {
        do {
            return try JSONDecoder().decode(EvaluationSource.self, from: Data(contentsOf: url))
        } catch let error as DecodingError {
            throw TrainingError("\(url.path): \(DecodingErrorText.describe(error))")
        }
    }
}

/// Turns Swift's DecodingError into "path: what" text a person can act on.
public enum DecodingErrorText {
    public static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            "$" + keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing required key"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(type), found null"
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as? CustomStringConvertible)?.description ?? context.debugDescription
            return "\(path(context.codingPath)): \(underlying)"
        @unknown default:
            return "\(error)"
        }
    }
}
