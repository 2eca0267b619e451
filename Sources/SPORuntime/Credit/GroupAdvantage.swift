/// Trajectory-level advantages computed from the rewards of one prompt's group of G
/// responses (docs/method.md section 6). Every token of response i carries A_i.
public enum GroupAdvantage {
    /// GRPO (Shao et al. 2024, DeepSeekMath): A_i = (r_i − mean_g r) / (std_g r + ε), with
    /// the population standard deviation (divide by G, not G − 1) over the group.
    ///
    /// A group whose rewards are all equal gets A_i = 0 for every response.
    ///
    /// - Parameters:
    ///   - rewards: r_1 … r_G, [G], G ≥ 1.
    ///   - epsilon: ε added to the standard deviation (1e-8).
    /// - Returns: A_1 … A_G, [G].
    public static func grpo(rewards: [Double], epsilon: Double) -> [Double] {
        guard !rewards.isEmpty else { return [] }
        let count = Double(rewards.count)
        let mean = rewards.reduce(0, +) / count
        let variance = rewards.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count
        let scale = 1 / (variance.squareRoot() + epsilon)
        return rewards.map { ($0 - mean) * scale }
    }

    /// RLOO (Ahmadian et al. 2024, "Back to Basics"): A_i = r_i − mean_{j≠i} r_j, the
    /// reward against the mean of the group's other responses. A group of one has A = 0.
    ///
    /// - Parameter rewards: r_1 … r_G, [G].
    /// - Returns: A_1 … A_G, [G].
    public static func rloo(rewards: [Double]) -> [Double] {
        guard rewards.count > 1 else { return rewards.map { _ in 0 } }
        let total = rewards.reduce(0, +), others = Double(rewards.count - 1)
        return rewards.map { $0 - (total - $0) / others }
    }
}
