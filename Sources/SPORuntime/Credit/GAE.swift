/// Generalised advantage estimation (Schulman et al. 2016, "High-Dimensional Continuous
/// Control Using Generalized Advantage Estimation") over one response of R tokens, PPO's
/// credit assignment with a critic (docs/method.md section 6):
///
///     V(s_R) = 0                                   (the state after the last token is terminal)
///     δ_t    = r_t + γ V(s_{t+1}) − V(s_t)
///     A_t    = Σ_{k ≥ 0} (γλ)^k δ_{t+k}  =  δ_t + γλ A_{t+1}
///     G_t    = A_t + V(s_t)                        (the critic's regression target)
///
/// for t = 0..<R, V(s_t) being the critic's value of the state before response token t
/// (`Critic.values` over the response). With an outcome reward, r_t = 0 except r_{R−1} = R(τ);
/// then γ = λ = 1 (the default) gives the Monte Carlo estimate A_t = R(τ) − V(s_t), G_t = R(τ),
/// and λ = 0 gives the one-step TD error A_t = γ V(s_{t+1}) + r_t − V(s_t).
/// Computed in double precision; an empty response gives empty arrays.
public enum GAE {
    /// Per-token advantages and returns of one response.
    public struct Estimate: Sendable, Equatable {
        /// A_t, [R].
        public var advantages: [Float]
        /// G_t = A_t + V(s_t), [R].
        public var returns: [Float]
    }

    /// A and G (formulas on the type) from V(s_t) [R] and per-token rewards r_t [R].
    public static func estimate(values: [Float], rewards: [Double], gamma: Double, lambda: Double) -> Estimate {
        precondition(values.count == rewards.count,
                     "GAE: \(values.count) values for \(rewards.count) rewards; give one of each per response token")
        var advantages = [Float](repeating: 0, count: values.count), returns = advantages
        var next = 0.0, nextValue = 0.0
        for t in values.indices.reversed() {
            let value = Double(values[t])
            let delta = rewards[t] + gamma * nextValue - value
            next = delta + gamma * lambda * next
            advantages[t] = Float(next)
            returns[t] = Float(next + value)
            nextValue = value
        }
        return Estimate(advantages: advantages, returns: returns)
    }

    /// A and G for an outcome reward: r_t = 0 for t < R − 1 and r_{R−1} = `finalReward`.
    public static func estimate(values: [Float], finalReward: Double, gamma: Double, lambda: Double) -> Estimate {
        var rewards = [Double](repeating: 0, count: values.count)
        if !rewards.isEmpty { rewards[rewards.count - 1] = finalReward }
        return estimate(values: values, rewards: rewards, gamma: gamma, lambda: lambda)
    }
}
