import Foundation
import SPOModel

/// Hyper-parameters of supervised fine-tuning (`spo sft`); JSON keys snake_case.
public struct SupervisedTrainingOptions: Codable, Sendable, Equatable {
    /// Optimizer steps.
    public var steps: Int
    /// Examples per step.
    public var batchSize: Int
    public var schedule: LearningRateSchedule
    public var optimizer: AdamWConfiguration
    /// Global gradient-norm clip.
    public var maxGradientNorm: Float = 1
    /// Seeds the example draws: step s uses RandomStream(seed, stream: s).
    public var seed: UInt64
    /// Write the checkpoint every this many steps (and at the end).
    public var checkpointEvery: Int = 200
    /// Write a metrics line every this many steps.
    public var logEvery: Int = 10

    enum CodingKeys: String, CodingKey {
        case steps, batchSize = "batch_size", schedule, optimizer, maxGradientNorm = "max_gradient_norm"
        case seed, checkpointEvery = "checkpoint_every", logEvery = "log_every"
    }

    public init(steps: Int, batchSize: Int, schedule: LearningRateSchedule, optimizer: AdamWConfiguration,
                maxGradientNorm: Float = 1, seed: UInt64, checkpointEvery: Int = 200, logEvery: Int = 10) {
        self.steps = steps
        self.batchSize = batchSize
        self.schedule = schedule
        self.optimizer = optimizer
        self.maxGradientNorm = maxGradientNorm
        self.seed = seed
        self.checkpointEvery = checkpointEvery
        self.logEvery = logEvery
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        steps = try c.decode(Int.self, forKey: .steps)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        schedule = try c.decode(LearningRateSchedule.self, forKey: .schedule)
        optimizer = try c.decode(AdamWConfiguration.self, forKey: .optimizer)
        maxGradientNorm = try c.decodeIfPresent(Float.self, forKey: .maxGradientNorm) ?? 1
        seed = try c.decode(UInt64.self, forKey: .seed)
        checkpointEvery = try c.decodeIfPresent(Int.self, forKey: .checkpointEvery) ?? 200
        logEvery = try c.decodeIfPresent(Int.self, forKey: .logEvery) ?? 10
        try validate()
    }

    /// Checks ranges; the error names the key.
    public func validate() throws {
        for (key, value) in [("steps", steps), ("batch_size", batchSize), ("checkpoint_every", checkpointEvery), ("log_every", logEvery)]
        where value < 1 {
            throw TrainingError("`\(key)` must be at least 1, found \(value)")
        }
        guard maxGradientNorm > 0 else { throw TrainingError("`max_gradient_norm` must be positive, found \(maxGradientNorm)") }
    }
}

/// What `SupervisedTrainer.run` did.
public struct SupervisedTrainingSummary: Sendable {
    public var firstStep: Int
    public var lastStep: Int
    public var finalLoss: Float
    public var tokensPerSecond: Double
}

/// Supervised fine-tuning: token cross-entropy on response tokens only,
/// L = −(1/R) Σ_r log π(y_r | prefix), R the batch's response tokens; AdamW with clipping.
///
/// Step s draws `batchSize` examples uniformly (with replacement) from a stream seeded by
/// (seed, s), so a run resumed from its checkpoint at step s continues exactly as the
/// uninterrupted run would have.
public final class SupervisedTrainer {
    public let model: LlamaModel
    public let examples: [SupervisedExample]
    public let options: SupervisedTrainingOptions
    public let runDirectory: URL
    public let optimizer: AdamW
    /// Steps already done (restored from a checkpoint).
    public private(set) var completedSteps = 0
    public var showProgress = true

    public var checkpointDirectory: URL { runDirectory.appendingPathComponent("checkpoint") }
    public var metricsURL: URL { runDirectory.appendingPathComponent("metrics.jsonl") }

    public init(model: LlamaModel, examples: [SupervisedExample], options: SupervisedTrainingOptions, runDirectory: URL) throws {
        guard !examples.isEmpty else { throw TrainingError("no training examples") }
        try options.validate()
        let longest = examples.map { $0.prompt.count + $0.response.count }.max()!
        guard longest <= model.config.maximumPositions else {
            throw TrainingError("an example has \(longest) tokens, more than max_position_embeddings (\(model.config.maximumPositions))")
        }
        self.model = model
        self.examples = examples
        self.options = options
        self.runDirectory = runDirectory
        optimizer = try AdamW(parameterCount: model.layout.parameterCount, configuration: options.optimizer)
    }

    /// Restores model weights, optimizer state and step from this run's checkpoint.
    public func resume() throws {
        let loaded = try ModelCheckpoint.loadModel(from: checkpointDirectory)
        guard loaded.config == model.config else {
            throw TrainingError("checkpoint \(checkpointDirectory.path) has a different model config")
        }
        model.parameters.pointer.update(from: loaded.parameters.pointer, count: model.layout.parameterCount)
        guard try ModelCheckpoint.restoreOptimizer(optimizer, layout: model.layout, from: checkpointDirectory) else {
            throw TrainingError("checkpoint \(checkpointDirectory.path) has no optimizer state")
        }
        guard let state = ModelCheckpoint.trainerState(in: checkpointDirectory),
              let object = try JSONSerialization.jsonObject(with: state) as? [String: Any],
              let step = (object["step"] as? NSNumber)?.intValue else {
            throw TrainingError("checkpoint \(checkpointDirectory.path) has no trainer_state.json with a step")
        }
        completedSteps = step
        try MetricsLog.truncate(url: metricsURL, keepingWhere: "step", atMost: step)
    }

    /// Indices of the examples of step `step`.
    public func batchIndices(step: Int) -> [Int] {
        var random = RandomStream(seed: options.seed, stream: UInt64(step))
        return (0..<options.batchSize).map { _ in random.nextInt(below: examples.count) }
    }

    /// Trains from `completedSteps` to `options.steps`.
    @discardableResult
    public func run() throws -> SupervisedTrainingSummary {
        let log = try MetricsLog(url: metricsURL)
        let progress = ProgressDisplay(total: options.steps, label: "sft")
        let first = completedSteps
        var lastLoss: Float = .nan, tokens = 0, windowTokens = 0, windowLoss: Float = 0, windowSteps = 0
        let start = Date()
        var windowStart = Date()
        while completedSteps < options.steps {
            let step = completedSteps
            let chosen = batchIndices(step: step).map { examples[$0].sequence }
            let batch = try TokenBatch(sequences: chosen.map(\.tokens), scoreStarts: chosen.map(\.scoreStart))
            let R = Float(batch.scoredCount)
            model.zeroGradients()
            let pass = try model.forward(batch)
            let loss = -pass.logProbabilities.reduce(0, +) / R
            try model.backward(pass, logProbabilityGradients: Array(repeating: -1 / R, count: batch.scoredCount))
            let norm = GradientClipping.clip(model.gradients.pointer, count: model.layout.parameterCount,
                                             maxNorm: options.maxGradientNorm)
            guard norm.isFinite else { throw TrainingError("gradient norm is \(norm) at step \(step + 1); stopping before the update") }
            let rate = options.schedule.rate(atStep: step)
            optimizer.update(parameters: model.parameters.pointer, gradients: model.gradients.pointer,
                             count: model.layout.parameterCount, learningRate: rate)
            completedSteps += 1
            tokens += batch.tokenCount
            windowTokens += batch.tokenCount
            windowLoss += loss
            windowSteps += 1
            lastLoss = loss
            if completedSteps % options.logEvery == 0 || completedSteps == options.steps {
                let seconds = Date().timeIntervalSince(windowStart)
                try log.write([
                    "step": completedSteps, "loss": Double(windowLoss / Float(windowSteps)), "learning_rate": Double(rate),
                    "gradient_norm": Double(norm), "tokens": tokens,
                    "tokens_per_second": Double(windowTokens) / max(seconds, 1e-9),
                    "elapsed_seconds": Date().timeIntervalSince(start),
                ])
                windowTokens = 0; windowLoss = 0; windowSteps = 0; windowStart = Date()
            }
            if showProgress {
                let rate = Double(tokens) / max(Date().timeIntervalSince(start), 1e-9)
                progress.update(completedSteps, String(format: "loss %.3f  %.0f tok/s", loss, rate))
            }
            if completedSteps % options.checkpointEvery == 0 || completedSteps == options.steps {
                try saveCheckpoint()
            }
        }
        if showProgress { progress.finish() }
        return SupervisedTrainingSummary(
            firstStep: first, lastStep: completedSteps, finalLoss: lastLoss,
            tokensPerSecond: Double(tokens) / max(Date().timeIntervalSince(start), 1e-9))
    }

    private func saveCheckpoint() throws {
        let state = try JSONSerialization.data(
            withJSONObject: ["step": completedSteps, "seed": options.seed, "examples": examples.count], options: [.sortedKeys])
        try ModelCheckpoint.save(model, optimizer: optimizer, trainerState: state, to: checkpointDirectory)
    }
}

/// A training run that cannot start or go on; says why.
public struct TrainingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
