/// One prompt to continue, with its sampling parameters (and so its seed).
public struct GenerationRequest: Sendable {
    public var prompt: [Int32]
    public var parameters: SamplingParameters

    public init(prompt: [Int32], parameters: SamplingParameters) {
        self.prompt = prompt
        self.parameters = parameters
    }
}

/// A sampled continuation.
public struct Generation: Sendable, Equatable {
    /// Generated tokens (prompt excluded), including the EOS token or stop string that ended it.
    public var tokens: [Int32]
    /// log π(token) of each generated token at the sampling temperature over the full
    /// vocabulary (no top-p renormalisation); at temperature 0, at temperature 1.
    public var logProbabilities: [Float]
    public var stopReason: StopReason
}

extension InferenceEngine {
    /// Samples a continuation of each live sequence until it stops, decoding all of them in
    /// one batch per step; each sequence draws from its own `RandomStream(seed:)` of its
    /// parameters, so results do not depend on what else is in the batch.
    ///
    /// A sequence stopped by `max_tokens` has every token in the cache and its next-token
    /// logits ready, so it can be continued or forked (tree sampling). A sequence stopped by
    /// EOS or a stop string is finished: its last token is not fed to the model. Sequences
    /// stay live; the caller releases them.
    public func generate(
        _ ids: [SequenceID], parameters: [SamplingParameters], tokenizer: any Tokenizer,
        eosTokenIDs: [Int32]? = nil
    ) throws -> [Generation] {
        guard ids.count == parameters.count else {
            throw InferenceError("generate got \(ids.count) sequences and \(parameters.count) sampling parameters")
        }
        let V = model.config.vocabularySize
        let eos = eosTokenIDs ?? (model.config.eosTokenIDs.isEmpty ? [tokenizer.eosTokenID] : model.config.eosTokenIDs)
        var checkers = try parameters.map {
            try StopChecker(tokenizer: tokenizer, eosTokenIDs: eos, stopStrings: $0.stopStrings, maxTokens: $0.maxTokens)
        }
        var streams = parameters.map { RandomStream(seed: $0.seed) }
        var scratch = SamplerScratch(vocabularySize: V)
        var logProbabilities = Array(repeating: [Float](), count: ids.count)
        var active = Array(ids.indices)
        while !active.isEmpty {
            var feedIDs: [SequenceID] = [], feedTokens: [[Int32]] = [], stillActive: [Int] = []
            for i in active {
                let logits = try nextLogits(of: ids[i])
                let sampled = logits.withUnsafeBufferPointer {
                    Sampler.sample(logits: $0.baseAddress!, vocabularySize: V, parameters: parameters[i],
                                   random: &streams[i], scratch: &scratch)
                }
                logProbabilities[i].append(sampled.logProbability)
                let reason = checkers[i].append(sampled.token)
                if reason == nil || reason == .maxTokens {
                    feedIDs.append(ids[i])
                    feedTokens.append([sampled.token])
                }
                if reason == nil { stillActive.append(i) }
            }
            if !feedIDs.isEmpty { try extend(feedIDs, with: feedTokens) }
            active = stillActive
        }
        return ids.indices.map {
            Generation(tokens: checkers[$0].tokens, logProbabilities: logProbabilities[$0],
                       stopReason: checkers[$0].stopReason!)
        }
    }

    /// Prefills every request's prompt, samples its continuation, and releases the sequences.
    public func generate(_ requests: [GenerationRequest], tokenizer: any Tokenizer) throws -> [Generation] {
        let ids = try prefill(requests.map(\.prompt))
        defer { ids.forEach(release) }
        return try generate(ids, parameters: requests.map(\.parameters), tokenizer: tokenizer)
    }
}
