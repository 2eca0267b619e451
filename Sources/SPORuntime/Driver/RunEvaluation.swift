import Foundation
import SPOModel
import SPOPipelineSpec
import SPOTasks
import SPOTraining

/// Test-split evaluation during a run (docs/method.md section 8): the driver evaluates
/// the policy before training (version 0), every `evaluation.every` iterations and after
/// the last one, on the first `evaluation.questions` test problems with `samples` draws
/// per question at `temperature` (pass@1, pass@k, majority vote, greedy), and appends one
/// JSON line per evaluation to `<run>/evaluations.jsonl`:
///
///     iteration (iterations done), policy_version, pass_at_1, pass_at_k, majority_vote,
///     greedy (null when off), mean_reward, truncated_fraction, questions, samples,
///     sampled_tokens (tokens generated for training so far: trajectories, trees and
///     Monte Carlo values), seconds
///
/// The evaluation runs on a background thread while the driver keeps the stages alive;
/// it reads the policy from the weights store.
final class RunEvaluation: @unchecked Sendable {
    private let spec: ResolvedPipelineSpec
    private let binding: TaskBinding
    private let items: [EvaluationItem]
    private let log: MetricsLog
    private let lock = NSLock()
    private var outcome: Result<[String: Any], Error>?

    /// Loads the test questions; nil when the spec evaluates never (`every` 0).
    init?(spec: ResolvedPipelineSpec, binding: TaskBinding, runDirectory: URL) throws {
        guard spec.evaluation.every > 0 else { return nil }
        self.spec = spec
        self.binding = binding
        let problems = try binding.spec.load(split: .test, count: spec.evaluation.questions, baseDirectory: RunResources.baseDirectory)
        items = problems.map(binding.evaluationItem)
        log = try MetricsLog(url: runDirectory.appendingPathComponent("evaluations.jsonl"))
    }

    /// Whether the policy after `iterationsDone` iterations is evaluated.
    func isDue(afterIterations iterationsDone: Int) -> Bool {
        iterationsDone == 0 || iterationsDone == spec.iterations || iterationsDone % spec.evaluation.every == 0
    }

    /// Starts evaluating `model` (version `version`, after `iterationsDone` iterations) on
    /// a background thread; `finished()` reports when it is done.
    func start(model: LlamaModel, version: Int, iterationsDone: Int, sampledTokens: Int) {
        lock.withLock { outcome = nil }
        var options = EvaluationOptions()
        options.samples = spec.evaluation.samples
        options.temperature = Float(spec.evaluation.temperature)
        options.topP = 1
        options.maxTokens = spec.sampling.maxTokens
        options.seed = spec.seed
        options.greedy = spec.evaluation.greedy
        options.questions = items.count
        // The evaluator and its model are used by the background thread only, until done.
        let evaluator = HandedOver(binding.evaluator(model: model, options: options))
        let items = items
        Thread.detachNewThread { [self] in
            let result = Result { () throws -> [String: Any] in
                let (result, _) = try evaluator.value.evaluate(items, showProgress: false)
                return [
                    "iteration": iterationsDone, "policy_version": version, "pass_at_1": result.passAt1,
                    "pass_at_k": result.passAtK, "majority_vote": result.majorityVote,
                    "greedy": result.greedy.map { $0 as Any } ?? NSNull(), "mean_reward": result.meanReward,
                    "truncated_fraction": result.truncatedFraction, "questions": result.questions,
                    "samples": result.samplesPerQuestion, "sampled_tokens": sampledTokens, "seconds": result.seconds,
                ]
            }
            lock.withLock { outcome = result }
        }
    }

    /// The finished evaluation's JSON line, written to `evaluations.jsonl`; nil while it runs.
    func finished() throws -> [String: Any]? {
        guard let outcome = lock.withLock({ outcome }) else { return nil }
        let line = try outcome.get()
        try log.write(line)
        return line
    }
}

/// A value handed to another thread that alone uses it from then on.
private struct HandedOver<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
