import XCTest
import SPOModel
@testable import SPORuntime

/// Monte Carlo values against an independent re-sampling: each continuation regenerated
/// from its state by `InferenceEngine.generate(requests)` (a fresh prefill, no forks)
/// with the seed docs name, `seed(run, "value/<stream>/<StateKey.hex(state)>/<n>")`.
final class MonteCarloValuesTests: XCTestCase {
    let tokenizer = CharacterTokenizer.makeDefault()
    lazy var model = LlamaModel(
        config: try! LlamaConfig(
            hiddenSize: 32, intermediateSize: 64, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            vocabularySize: 128, rmsNormEpsilon: 1e-5, maximumPositions: 64, tieWordEmbeddings: true,
            bosTokenID: 1, eosTokenIDs: [2], padTokenID: 0),
        seed: 5)

    /// Reward: 1 when the continuation is not truncated and its token count is even, so
    /// values are non-trivial fractions of N.
    func reward(_ response: [Int32], _ answer: String, _ truncated: Bool) -> Double {
        truncated ? 0 : Double((response.count + 1) % 2)
    }

    func requests() -> [MonteCarloValues.Request] {
        [
            .init(prompt: [1, 40, 41], responsePrefix: [], maxNewTokens: 6, answer: "x"),
            .init(prompt: [1, 40, 41], responsePrefix: [50, 51], maxNewTokens: 4, answer: "x"),
            .init(prompt: [1, 60], responsePrefix: [70], maxNewTokens: 5, answer: "x"),
        ]
    }

    func testValuesAreMeanRewardsOfIndependentlyResampledContinuations() throws {
        let estimator = MonteCarloValues(rollouts: 4, temperature: 1.0, topP: 1.0, seed: 9)
        let requests = requests()
        let estimates = try estimator.estimate(requests, stream: "v0", model: model, tokenizer: tokenizer, reward: reward)
        XCTAssertEqual(estimates.count, 3)
        let engine = InferenceEngine(model: model)
        for request in requests {
            let state = request.prompt + request.responsePrefix
            let generations = try engine.generate(
                (0..<4).map { n in
                    GenerationRequest(
                        prompt: state,
                        parameters: try SamplingParameters(
                            temperature: 1.0, topP: 1.0, maxTokens: request.maxNewTokens,
                            seed: SeedDerivation.seed(9, "value/v0/\(StateKey.hex(state))/\(n)")))
                },
                tokenizer: tokenizer)
            let expected = generations.map {
                reward(request.responsePrefix + $0.tokens, request.answer, $0.stopReason == .maxTokens)
            }.reduce(0, +) / 4
            let estimate = try XCTUnwrap(estimates[request])
            XCTAssertEqual(estimate.value, expected, accuracy: 1e-12)
            XCTAssertEqual(estimate.rollouts, 4)
            XCTAssertEqual(estimate.tokens, generations.reduce(0) { $0 + $1.tokens.count })
        }
    }

    /// Duplicates are valued once; batching (one state per batch) and order change nothing.
    func testDuplicatesBatchingAndOrderDoNotChangeValues() throws {
        let requests = requests()
        let whole = try MonteCarloValues(rollouts: 3, temperature: 1.0, topP: 1.0, seed: 2)
            .estimate(requests + requests, stream: "v1", model: model, tokenizer: tokenizer, reward: reward)
        XCTAssertEqual(whole.count, 3)
        let split = try MonteCarloValues(rollouts: 3, temperature: 1.0, topP: 1.0, seed: 2, maxBatchSequences: 3)
            .estimate(requests.reversed(), stream: "v1", model: model, tokenizer: tokenizer, reward: reward)
        XCTAssertEqual(whole, split)
    }

    /// StateKey is FNV-1a-64 over the little-endian bytes: the empty sequence is the offset
    /// basis, and [0] is four zero bytes folded in.
    func testStateKeyIsFNV1a() {
        XCTAssertEqual(StateKey.hex([]), "cbf29ce484222325")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for _ in 0..<4 { hash = (hash ^ 0) &* 0x0000_0100_0000_01b3 }
        XCTAssertEqual(StateKey.hex([0]), String(hash, radix: 16))
    }
}
