import ArgumentParser
import Foundation
import SPOModel
import SPOTasks
import SPOTraining

/// `spo sft CONFIG`: supervised warm start on a task's solutions.
struct SFT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft",
        abstract: "Train a starting policy on a task's step-by-step solutions (response-only cross-entropy).",
        discussion: """
            CONFIG is JSON (see configs/sft/default.json): model source, tokenizer, task, number of \
            training problems, training options (steps, batch, learning-rate schedule, AdamW, seed, \
            checkpoint interval) and the output run directory. The run directory receives \
            checkpoint/ (Hugging Face safetensors + optimizer state, rewritten atomically), \
            metrics.jsonl and the config. --resume continues exactly from the checkpoint.
            """)

    @Argument(help: "SFT config JSON.") var config: String
    @Flag(help: "Continue from the run directory's checkpoint.") var resume = false
    @Option(help: "Override the run directory.") var output: String?
    @Option(help: "Override the number of steps.") var steps: Int?
    @Option(help: "OpenBLAS threads.") var threads = 2

    func run() throws {
        BLAS.threadCount = threads
        let base = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var run = try SupervisedRunConfig.load(contentsOf: URL(fileURLWithPath: config))
        if let output { run.output = output }
        if let steps { run.training.steps = steps }
        let tokenizer = try TokenizerLoading.load(contentsOf: URL(fileURLWithPath: run.tokenizer, relativeTo: base))
        let task = TaskBinding(spec: run.task, tokenizer: tokenizer)
        let problems = try run.task.load(split: .train, count: run.trainExamples, baseDirectory: base)
        let runDirectory = URL(fileURLWithPath: run.output, relativeTo: base)
        let model = try run.model.load(base: base)
        guard tokenizer.vocabularySize <= model.config.vocabularySize else {
            throw ValidationError("tokenizer has \(tokenizer.vocabularySize) tokens, more than the model's vocab_size \(model.config.vocabularySize)")
        }
        let trainer = try SupervisedTrainer(model: model, examples: problems.map(task.supervisedExample),
                                            options: run.training, runDirectory: runDirectory)
        if resume {
            try trainer.resume()
            if trainer.completedSteps >= run.training.steps {
                print("sft: \(runDirectory.path) already finished \(trainer.completedSteps) steps; nothing to do")
                return
            }
        }
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(run), to: runDirectory.appendingPathComponent("sft-config.json"))
        print("sft: \(model.layout.parameterCount) parameters, \(problems.count) training problems, steps \(trainer.completedSteps + 1)...\(run.training.steps) → \(runDirectory.path)")
        let summary = try trainer.run()
        print(String(format: "sft: done at step %d, loss %.4f, %.0f tokens/s; checkpoint %@",
                     summary.lastStep, summary.finalLoss, summary.tokensPerSecond, trainer.checkpointDirectory.path))
    }
}
