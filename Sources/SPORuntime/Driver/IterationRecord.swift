import Foundation

/// The metrics of one iteration, gathered by the driver from the stages' `metrics`
/// messages: sums from the generate, value and advantage stages (one message per prompt
/// batch, value batch or group) and the optimize stage's iteration summary. One line of `metrics.jsonl`.
public struct IterationRecord: Sendable, Equatable {
    /// The iteration, from 0.
    public let iteration: Int
    /// Sums of `generate/*`, `value/*` and `advantage/*` values.
    public var sums: [String: Double] = [:]
    /// The optimize stage's summary (`optimize/*`), once the iteration is done.
    public var optimize: [String: Double]?
    /// Wall time from sending the prompts to the optimizer's summary.
    public var seconds = 0.0

    /// An empty record.
    public init(iteration: Int) { self.iteration = iteration }

    /// Adds a stage's metrics message.
    public mutating func add(_ values: [String: Double]) {
        if values["optimize/iteration_done"] != nil {
            if optimize == nil { optimize = values }
            return
        }
        for (name, value) in values { sums[name, default: 0] += value }
    }

    /// Groups (prompts) scored by the advantage stage.
    public var scoredGroups: Int { Int(sums["advantage/groups"] ?? 0) }
    /// Rollouts scored into groups by the advantage stage.
    public var scoredRollouts: Int { Int(sums["advantage/rollouts"] ?? 0) }
    /// Mean reward of the scored rollouts.
    public var rewardMean: Double { ratio("advantage/reward_sum", "advantage/rollouts") }
    /// Fraction of scored rollouts with reward 1 (a correct answer).
    public var accuracy: Double { ratio("advantage/correct", "advantage/rollouts") }

    private func ratio(_ numerator: String, _ denominator: String) -> Double {
        guard let d = sums[denominator], d > 0 else { return .nan }
        return (sums[numerator] ?? 0) / d
    }

    /// The JSON object written to `metrics.jsonl`; TreePO's `generate/treepo_*` counts
    /// appear as `treepo_*`.
    public var json: [String: Any] {
        let o = optimize ?? [:]
        func value(_ key: String) -> Double { o[key] ?? .nan }
        func integer(_ key: String) -> Any { o[key].map { Int($0) } ?? NSNull() }
        let generated = sums["generate/rollouts"] ?? 0
        var object: [String: Any] = [
            "iteration": iteration,
            "policy_version": integer("optimize/version"),
            "reward_mean": rewardMean, "accuracy": accuracy,
            "truncated_fraction": ratio("advantage/truncated", "advantage/rollouts"),
            "response_tokens_mean": ratio("advantage/response_tokens", "advantage/rollouts"),
            "rollouts_generated": Int(generated), "rollouts_scored": scoredRollouts,
            "samples_consumed": integer("optimize/samples"), "samples_trained": integer("optimize/trained_samples"),
            "generated_tokens": Int(sums["generate/tokens"] ?? 0),
            "generation_tokens_per_second": ratio("generate/tokens", "generate/seconds"),
            "kl": value("optimize/kl"), "clip_fraction": value("optimize/clip_fraction"),
            "mean_ratio": value("optimize/mean_ratio"), "advantage_mean": value("optimize/advantage_mean"),
            "advantage_std": value("optimize/advantage_std"), "policy_loss": value("optimize/policy_loss"),
            "gradient_norm": value("optimize/gradient_norm"), "learning_rate": value("optimize/learning_rate"),
            "optimizer_steps": integer("optimize/steps"), "skipped_steps": integer("optimize/skipped_steps"),
            "stale_samples": integer("optimize/stale_samples"),
            "tokens_per_second": value("optimize/tokens_per_second"),
            "training_seconds": value("optimize/seconds"), "seconds": seconds,
            "loss_token_fraction": value("optimize/loss_token_fraction"),
            "segments_per_response": ratio("advantage/segments", "advantage/rollouts"),
            "value_rollouts": Int(sums["advantage/value_rollouts"] ?? 0),
            "value_tokens": Int(sums["advantage/value_tokens"] ?? 0),
            "independent_sampling_tokens": sums["generate/independent_tokens"].map { Int($0) } ?? NSNull(),
            "generation_seconds": sums["generate/seconds"] ?? 0, "save_seconds": value("optimize/save_seconds"), "value_seconds": sums["value/seconds"] ?? 0,
            "value_loss": value("optimize/value_loss"), "value_clip_fraction": value("optimize/value_clip_fraction"),
            "explained_variance": value("optimize/explained_variance"),
            "value_gradient_norm": value("optimize/value_gradient_norm"),
            "critic_training_seconds": value("optimize/critic_seconds"),
        ]
        for (name, sum) in sums where name.hasPrefix("generate/treepo_") {
            object[String(name.dropFirst("generate/".count))] = Int(sum)
        }
        for (key, entry) in object { if let number = entry as? Double, !number.isFinite { object[key] = NSNull() } }
        return object
    }
}
