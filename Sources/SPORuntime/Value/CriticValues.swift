import SPOModel

/// A critic's values over whole responses (PPO, docs/method.md section 6): for a prompt of
/// P tokens and a response y_0 … y_{R−1},
///
///     values[t] = V(s_t),  s_t = prompt + y_0 … y_{t−1},  t = 0..<R
///
/// the value of the state before response token t (`Critic`'s scored positions with the
/// score start at P). V(s_R), the state after the last token, is terminal (0) and is not
/// computed. Sequences are packed into critic passes of at most `sequencesPerPass`.
public enum CriticValues {
    /// One response to value.
    public struct Request: Sendable, Equatable {
        /// Prompt tokens, [P], P ≥ 1.
        public var prompt: [Int32]
        /// Response tokens, [R], R ≥ 1.
        public var response: [Int32]

        /// Memberwise initialiser.
        public init(prompt: [Int32], response: [Int32]) {
            self.prompt = prompt
            self.response = response
        }
    }

    /// V(s_t) [R_i] for every request i, in order.
    public static func values(_ requests: [Request], critic: Critic, sequencesPerPass: Int) throws -> [[Float]] {
        precondition(sequencesPerPass >= 1, "critic values: sequencesPerPass must be ≥ 1")
        var values: [[Float]] = []
        values.reserveCapacity(requests.count)
        for start in stride(from: 0, to: requests.count, by: sequencesPerPass) {
            let pass = requests[start..<min(requests.count, start + sequencesPerPass)]
            let batch = try TokenBatch(sequences: pass.map { $0.prompt + $0.response }, scoreStarts: pass.map(\.prompt.count))
            let flat = try critic.values(for: batch)
            for s in 0..<batch.sequenceCount {
                values.append(Array(flat[batch.scoredOffsets[s]..<batch.scoredOffsets[s + 1]]))
            }
        }
        return values
    }
}
