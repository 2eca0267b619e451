import Foundation
import XCTest

/// What several pipeline tests share: a small random-weights run, running `spo`, reading
/// JSON lines.
extension PipelineEndToEndTests {
    /// A GRPO spec with random weights (delivery, not learning): 8 prompts × 4 samples of
    /// the one-step addition task per iteration, 16 response tokens. `changes` are set on
    /// top, by top-level key; `modelChanges` on the model config (64 wide, 2 layers).
    func writeRandomWeightsSpec(
        name: String, iterations: Int, changes: [String: Any] = [:], modelChanges: [String: Any] = [:]
    ) throws -> (spec: URL, run: URL) {
        let modelURL = directory.appendingPathComponent("model.json")
        let model: [String: Any] = [
            "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
            "hidden_size": 64, "intermediate_size": 192, "num_hidden_layers": 2, "num_attention_heads": 4,
            "num_key_value_heads": 2, "vocab_size": 128, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
            "max_position_embeddings": 128, "tie_word_embeddings": true, "bos_token_id": 1, "eos_token_id": 2,
            "pad_token_id": 0,
        ].merging(modelChanges) { $1 }
        try JSONSerialization.data(withJSONObject: model).write(to: modelURL)
        let taskURL = directory.appendingPathComponent("task.json")
        try writeTask(trainSize: 8, to: taskURL)
        let run = directory.appendingPathComponent("run")
        var spec: [String: Any] = [
            "name": name, "method": "grpo", "seed": 3, "run_directory": run.path,
            "model": ["config": modelURL.path, "init_seed": 1], "tokenizer": "configs/tokenizers/char.json",
            "task": ["kind": "arithmetic", "config": taskURL.path, "reward": "gsm8k", "prompt_template": "{question}"],
            "iterations": iterations,
            "sampling": ["max_tokens": 16, "samples_per_prompt": 4, "prompts_per_iteration": 8],
            "optimize": ["epochs": 1, "batch_size": 16, "micro_batch_size": 8, "learning_rate": ["kind": "constant", "rate": 1e-4]],
        ]
        spec.merge(changes) { $1 }
        let specURL = directory.appendingPathComponent("\(name).json")
        try JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys]).write(to: specURL)
        return (specURL, run)
    }

    /// Starts `spo ARGUMENTS` from the repository root, its output in `name`.out.
    func startSPO(_ arguments: [String], name: String) throws -> (process: Process, output: URL) {
        try start(DriverLocation.buildDirectory.appendingPathComponent("spo"), arguments, name: name)
    }

    /// Starts `executable ARGUMENTS` from the repository root, its standard output and
    /// error in `<directory>/<name>.out`.
    func start(_ executable: URL, _ arguments: [String], name: String) throws -> (process: Process, output: URL) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = Self.repository
        let output = directory.appendingPathComponent("\(name).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return (process, output)
    }

    /// The JSON objects of a JSON-lines file.
    func jsonLines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], String($0))
        }
    }
}
