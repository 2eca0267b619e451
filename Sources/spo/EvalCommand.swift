import ArgumentParser
import Foundation
import SPOModel
import SPOTasks
import SPOTraining

/// `spo eval`: accuracy of a checkpoint on a task's test split.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint on the test split: pass@1 from k samples, pass@k, majority vote, greedy.",
        discussion: """
            The task and tokenizer come from --config: an SFT config or a pipeline spec (any JSON \
            with `task`, `tokenizer` and optionally `evaluation`). Writes eval.json (aggregates) and \
            records.jsonl (per question: responses, extracted answers, rewards) to --out.
            """)

    @Argument(help: "Checkpoint directory.") var checkpoint: String
    @Option(help: "Config JSON with task, tokenizer and evaluation defaults.") var config = "configs/sft/default.json"
    @Option(help: "Test questions (default: the config's, else 200).") var questions: Int?
    @Option(help: "Samples per question k (default 16).") var samples: Int?
    @Option(help: "Sampling temperature (default 0.35).") var temperature: Float?
    @Option(name: .customLong("max-tokens"), help: "Response token limit.") var maxTokens: Int?
    @Option(help: "Output directory (default: <checkpoint>/../eval).") var out: String?
    @Option(help: "OpenBLAS threads.") var threads = 2

    func run() throws {
        BLAS.threadCount = threads
        let base = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let run = try EvaluationSource.load(contentsOf: URL(fileURLWithPath: config))
        var options = run.evaluation ?? EvaluationOptions()
        if let questions { options.questions = questions }
        if let samples { options.samples = samples }
        if let temperature { options.temperature = temperature }
        if let maxTokens { options.maxTokens = maxTokens }
        let tokenizer = try TokenizerLoading.load(contentsOf: URL(fileURLWithPath: run.tokenizer, relativeTo: base))
        let task = TaskBinding(spec: run.task, tokenizer: tokenizer)
        let checkpointURL = URL(fileURLWithPath: checkpoint, relativeTo: base)
        let model = try ModelCheckpoint.loadModel(from: checkpointURL)
        let problems = try run.task.load(split: .test, count: options.questions, baseDirectory: base)
        let (result, records) = try task.evaluator(model: model, options: options).evaluate(problems.map(task.evaluationItem))
        print(result.table)
        let outDirectory = out.map { URL(fileURLWithPath: $0, relativeTo: base) }
            ?? checkpointURL.deletingLastPathComponent().appendingPathComponent("eval")
        try FileManager.default.createDirectory(at: outDirectory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(result), to: outDirectory.appendingPathComponent("eval.json"))
        let lineEncoder = JSONEncoder()
        lineEncoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines = Data()
        for record in records { lines.append(try lineEncoder.encode(record)); lines.append(0x0A) }
        try AtomicFile.write(lines, to: outDirectory.appendingPathComponent("records.jsonl"))
        print("wrote \(outDirectory.path)/eval.json and records.jsonl")
    }
}
