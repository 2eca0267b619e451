import SPOModel

/// Monte Carlo state values (docs/method.md section 3):
///
///     V̂(s) = (1/N) Σ_{n<N} r(s ⊕ continuation_n)
///
/// where each continuation is sampled from s with the trajectories' sampler (temperature,
/// top-p) up to the response's remaining token budget, and r is the task's reward of the
/// whole response (a truncated continuation scores 0, as the reward's `truncated` flag
/// makes it).
///
/// Identical states (the same prompt and response-prefix token ids) are valued once. Each
/// state is prefilled once and forked N ways, so its continuations share its KV cache.
/// Continuation n of state s draws from `SeedDerivation.seed(seed, "value/<stream>/<key>/<n>")`,
/// `key` a hash of s's tokens (`StateKey`) and `stream` the caller's name for the round
/// (the value stage passes the policy version), so values do not depend on batching,
/// order or replica.
public struct MonteCarloValues {
    /// One state to value.
    public struct Request: Hashable, Sendable {
        /// Prompt tokens, [P].
        public var prompt: [Int32]
        /// Response tokens before the boundary, [b].
        public var responsePrefix: [Int32]
        /// Continuation tokens allowed: the response limit minus b (≥ 1).
        public var maxNewTokens: Int
        /// The reference answer the reward checks against.
        public var answer: String

        /// Memberwise initialiser.
        public init(prompt: [Int32], responsePrefix: [Int32], maxNewTokens: Int, answer: String) {
            self.prompt = prompt
            self.responsePrefix = responsePrefix
            self.maxNewTokens = maxNewTokens
            self.answer = answer
        }
    }

    /// The estimate of one state.
    public struct Estimate: Sendable, Equatable {
        /// V̂(s), the mean reward of the continuations.
        public var value: Double
        /// N, continuations behind it.
        public var rollouts: Int
        /// Tokens generated for it.
        public var tokens: Int
    }

    /// N, continuations per state (9).
    public let rollouts: Int
    /// Sampler of the continuations (temperature, top-p).
    public let temperature: Double, topP: Double
    /// The run seed.
    public let seed: UInt64
    /// Continuations decoded in one batch at most (bounds KV-cache memory).
    public let maxBatchSequences: Int

    /// An estimator with `rollouts` continuations per state.
    public init(rollouts: Int, temperature: Double, topP: Double, seed: UInt64, maxBatchSequences: Int = 512) {
        precondition(rollouts >= 1, "Monte Carlo values need at least one rollout, found \(rollouts)")
        self.rollouts = rollouts
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.maxBatchSequences = max(maxBatchSequences, rollouts)
    }

    /// Values every distinct request (the result has one entry per distinct request, keyed
    /// by it). `reward(response, answer, truncated)` scores a whole response.
    public func estimate(
        _ requests: [Request], stream: String, model: LlamaModel, tokenizer: any Tokenizer,
        reward: (_ response: [Int32], _ answer: String, _ truncated: Bool) -> Double
    ) throws -> [Request: Estimate] {
        var unique: [Request] = []
        var seen = Set<Request>()
        for request in requests where seen.insert(request).inserted { unique.append(request) }
        var estimates: [Request: Estimate] = [:]
        let statesPerBatch = max(1, maxBatchSequences / rollouts)
        for start in stride(from: 0, to: unique.count, by: statesPerBatch) {
            let chunk = Array(unique[start..<min(unique.count, start + statesPerBatch)])
            let engine = InferenceEngine(model: model)
            let parents = try engine.prefill(chunk.map { $0.prompt + $0.responsePrefix })
            var sequences: [InferenceEngine.SequenceID] = [], parameters: [SamplingParameters] = []
            for (request, parent) in zip(chunk, parents) {
                sequences += try engine.fork(parent, count: rollouts)
                engine.release(parent)
                let key = StateKey.hex(request.prompt + request.responsePrefix)
                for n in 0..<rollouts {
                    parameters.append(try SamplingParameters(
                        temperature: Float(temperature), topP: Float(topP), maxTokens: request.maxNewTokens,
                        seed: SeedDerivation.seed(seed, "value/\(stream)/\(key)/\(n)")))
                }
            }
            let generations = try engine.generate(sequences, parameters: parameters, tokenizer: tokenizer)
            sequences.forEach(engine.release)
            for (i, request) in chunk.enumerated() {
                var sum = 0.0, tokens = 0
                for generation in generations[(i * rollouts)..<((i + 1) * rollouts)] {
                    tokens += generation.tokens.count
                    sum += reward(request.responsePrefix + generation.tokens, request.answer, generation.stopReason == .maxTokens)
                }
                estimates[request] = Estimate(value: sum / Double(rollouts), rollouts: rollouts, tokens: tokens)
            }
        }
        return estimates
    }
}

/// A stable name for a token sequence: FNV-1a-64 of its ids, as 16 hex digits (Swift's
/// `Hasher` is randomised per process, so it cannot name work across processes).
public enum StateKey {
    /// The hex FNV-1a-64 of the little-endian bytes of `tokens`.
    public static func hex(_ tokens: [Int32]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for token in tokens {
            var value = UInt32(bitPattern: token)
            for _ in 0..<4 {
                hash ^= UInt64(value & 0xff)
                hash = hash &* 0x0000_0100_0000_01b3
                value >>= 8
            }
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
