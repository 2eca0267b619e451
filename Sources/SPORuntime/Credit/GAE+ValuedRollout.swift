import SPOWire

extension GAE {
    /// A_t and G_t (see `GAE`) of one valued rollout: V(s_t) from its `token_values` [R]
    /// (the critic's, `CriticValueWorker`) and an outcome reward R(τ) on the last token (the
    /// rollout's reward, 0 for a truncated response as the task's reward makes it).
    ///
    /// - Returns: the values used and the estimate, [R] each; nil when the rollout carries
    ///   no token values.
    public static func estimate(
        _ valued: ValuedRollout, gamma: Double, lambda: Double
    ) -> (values: [Float], estimate: Estimate)? {
        guard let values = valued.tokenValues?.floatValues else { return nil }
        let estimate = estimate(values: values, finalReward: valued.segmented.rollout.reward, gamma: gamma, lambda: lambda)
        return (values, estimate)
    }
}
