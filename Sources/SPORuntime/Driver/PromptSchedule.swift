import SPOModel
import SPOTasks
import SPOTraining
import SPOWire

/// Which prompts each iteration samples: the task's training problems in an order
/// shuffled once with the run's seed, taken `prompts_per_iteration` at a time and cycled,
/// and split into one prompt batch per generate replica.
public struct PromptSchedule: Sendable {
    /// The training problems, in schedule order.
    public let problems: [Problem]
    /// Prompts per iteration (P).
    public let promptsPerIteration: Int

    /// The schedule of `problems` shuffled with `seed`.
    public init(problems: [Problem], promptsPerIteration: Int, seed: UInt64) throws {
        guard problems.count >= promptsPerIteration else {
            throw RuntimeError("the task has \(problems.count) training problems, fewer than prompts_per_iteration \(promptsPerIteration)")
        }
        var random = RandomStream(seed: SeedDerivation.seed(seed, "prompts"))
        self.problems = problems.shuffled(using: &random)
        self.promptsPerIteration = promptsPerIteration
    }

    /// The problems of `iteration`.
    public func problems(iteration: Int) -> [Problem] {
        (0..<promptsPerIteration).map { problems[(iteration * promptsPerIteration + $0) % problems.count] }
    }

    /// The prompt batches of `iteration`: its problems as prompts (tokens by `binding`,
    /// the answer for the reward), split into `batchCount` batches of near-equal size.
    public func batches(iteration: Int, batchCount: Int, binding: TaskBinding, samplesPerPrompt: Int) throws -> [PromptBatch] {
        let prompts = try problems(iteration: iteration).map {
            try Prompt(promptID: $0.id, tokens: NumericArray(binding.prompt($0)), text: $0.question, answer: $0.answer)
        }
        let count = min(max(batchCount, 1), prompts.count)
        return try (0..<count).map { b in
            try PromptBatch(
                prompts: Array(prompts[(prompts.count * b / count)..<(prompts.count * (b + 1) / count)]),
                samplesPerPrompt: samplesPerPrompt)
        }
    }
}
