import XCTest
@testable import SPOModel

final class GenerationTests: XCTestCase {
    let tokenizer = CharacterTokenizer.makeDefault()

    func model() -> LlamaModel {
        let config = try! LlamaConfig(
            hiddenSize: 16, intermediateSize: 24, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            vocabularySize: tokenizer.vocabularySize, rmsNormEpsilon: 1e-5, maximumPositions: 128,
            tieWordEmbeddings: true, eosTokenIDs: [tokenizer.eosTokenID])
        return LlamaModel(config: config, seed: 3, standardDeviation: 0.5)
    }

    func parameters(_ temperature: Float, seed: UInt64, maxTokens: Int = 12, stop: [String] = []) throws -> SamplingParameters {
        try SamplingParameters(temperature: temperature, topP: 0.9, maxTokens: maxTokens, stopStrings: stop, seed: seed)
    }

    func testSameSeedSameTokensAndBatchIndependence() throws {
        let engine = InferenceEngine(model: model())
        let prompt = tokenizer.encode("12+3=")
        let alone = try engine.generate([GenerationRequest(prompt: prompt, parameters: try parameters(1, seed: 42))], tokenizer: tokenizer)
        let again = try engine.generate([GenerationRequest(prompt: prompt, parameters: try parameters(1, seed: 42))], tokenizer: tokenizer)
        XCTAssertEqual(alone, again)
        // In a batch with other requests, the seed-42 request draws the same tokens.
        let batch = try engine.generate([
            GenerationRequest(prompt: tokenizer.encode("7*8="), parameters: try parameters(1, seed: 1)),
            GenerationRequest(prompt: prompt, parameters: try parameters(1, seed: 42)),
            GenerationRequest(prompt: prompt, parameters: try parameters(1, seed: 43)),
        ], tokenizer: tokenizer)
        XCTAssertEqual(batch[1].tokens, alone[0].tokens)
        XCTAssertNotEqual(batch[2].tokens, alone[0].tokens, "a different seed should give a different sample")
        XCTAssertEqual(engine.cache.blocksInUse, 0)
    }

    func testGreedyIsArgmaxAndLogProbabilitiesMatchTheTrainingForward() throws {
        let model = model()
        let naive = NaiveLlama(model: model)
        let engine = InferenceEngine(model: model)
        let prompt = tokenizer.encode("Q: 5+5?")
        let greedy = try engine.generate([GenerationRequest(prompt: prompt, parameters: try parameters(0, seed: 9))], tokenizer: tokenizer)[0]
        var sequence = prompt
        for token in greedy.tokens {
            let logits = naive.logits(sequence).last!
            XCTAssertEqual(Int(token), logits.indices.max(by: { logits[$0] < logits[$1] })!)
            sequence.append(token)
        }
        // Sampled at T = 0.7: reported log-probs equal the training forward's at T = 0.7.
        let sampled = try engine.generate([GenerationRequest(prompt: prompt, parameters: try parameters(0.7, seed: 5))], tokenizer: tokenizer)[0]
        let full = prompt + sampled.tokens
        let reference = naive.logProbabilities(full, scoreStart: prompt.count, temperature: 0.7)
        XCTAssertEqual(sampled.logProbabilities.count, reference.count)
        for (a, b) in zip(sampled.logProbabilities, reference) { XCTAssertEqual(Double(a), b, accuracy: 1e-4) }
    }

    func testStopReasons() throws {
        let engine = InferenceEngine(model: model())
        let prompt = tokenizer.encode("abc")
        let long = try engine.generate([GenerationRequest(prompt: prompt, parameters: try parameters(0, seed: 0, maxTokens: 6))], tokenizer: tokenizer)[0]
        XCTAssertEqual(long.stopReason, .maxTokens)
        XCTAssertEqual(long.tokens.count, 6)
        // Stop at the greedy continuation's third character, as a stop string.
        let text = tokenizer.decode(Array(long.tokens[2...2]))
        XCTAssertFalse(text.isEmpty)
        XCTAssertFalse(tokenizer.decode(Array(long.tokens[..<2])).contains(text), "pick another stop position")
        do {
            let stopped = try engine.generate([GenerationRequest(prompt: prompt, parameters: try parameters(0, seed: 0, maxTokens: 6, stop: [text]))], tokenizer: tokenizer)[0]
            XCTAssertEqual(stopped.stopReason, .stopString)
            XCTAssertEqual(stopped.tokens, Array(long.tokens[...2]))
        }
        // Declare the greedy first token to be EOS: generation ends on it.
        let id = try engine.prefill([prompt])[0]
        let eos = try engine.generate([id], parameters: [try parameters(0, seed: 0)], tokenizer: tokenizer,
                                      eosTokenIDs: [long.tokens[0]])[0]
        XCTAssertEqual(eos.stopReason, .eos)
        XCTAssertEqual(eos.tokens, [long.tokens[0]])
        XCTAssertEqual(try engine.tokens(of: id), prompt, "a finished sequence's last token is not fed")
    }

    func testMaxTokensStopLeavesSequenceReadyToForkAndContinue() throws {
        let engine = InferenceEngine(model: model())
        let prompt = tokenizer.encode("x=")
        let whole = try engine.generate([GenerationRequest(prompt: prompt, parameters: try parameters(0, seed: 0, maxTokens: 10))], tokenizer: tokenizer)[0]
        let id = try engine.prefill([prompt])[0]
        let first = try engine.generate([id], parameters: [try parameters(0, seed: 0, maxTokens: 4)], tokenizer: tokenizer)[0]
        let children = try engine.fork(id, count: 2)
        let rest = try engine.generate(children, parameters: Array(repeating: try parameters(0, seed: 0, maxTokens: 6), count: 2), tokenizer: tokenizer)
        XCTAssertEqual(first.tokens + rest[0].tokens, whole.tokens)
        XCTAssertEqual(rest[0], rest[1])
    }
}
