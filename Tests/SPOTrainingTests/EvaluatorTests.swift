import Foundation
import XCTest
@testable import SPOModel
@testable import SPOTraining

final class EvaluatorTests: XCTestCase {
    let tokenizer = CharacterTokenizer.makeDefault()

    func model() -> LlamaModel {
        let config = try! LlamaConfig(hiddenSize: 16, intermediateSize: 32, layerCount: 1, headCount: 2,
                                      vocabularySize: tokenizer.vocabularySize, rmsNormEpsilon: 1e-5,
                                      maximumPositions: 64, tieWordEmbeddings: true, eosTokenIDs: [tokenizer.eosTokenID])
        return LlamaModel(config: config, seed: 2, standardDeviation: 0.4)
    }

    /// Reward 1 when the response's first character equals the gold string.
    func evaluator(_ options: EvaluationOptions) -> Evaluator {
        Evaluator(model: model(), tokenizer: tokenizer, options: options,
                  reward: { response, gold, truncated in response.first.map(String.init) == gold ? 1 : 0 },
                  extractAnswer: { $0.first.map(String.init) })
    }

    func testRecordScoresAndMajorityByHand() {
        var options = EvaluationOptions()
        options.samples = 5
        let e = evaluator(options)
        func g(_ text: String, _ reason: StopReason = .eos) -> Generation {
            Generation(tokens: tokenizer.encode(text), logProbabilities: [], stopReason: reason)
        }
        let item = EvaluationItem(id: "q", question: "?", prompt: [1], gold: "4")
        // Answers 4, 5, 5, 4, 5: pass 2/5, majority "5" (wrong).
        let record = e.record(item, sampled: [g("4a"), g("5"), g("5b"), g("4"), g("5")], greedy: g("4"))
        XCTAssertEqual(record.rewards, [1, 0, 0, 1, 0])
        XCTAssertEqual(record.majorityAnswer, "5")
        XCTAssertFalse(record.majorityCorrect)
        XCTAssertEqual(record.greedyReward, 1)
        // A tie 4,4,5,5,x goes to the answer seen first.
        let tie = e.record(item, sampled: [g("5"), g("4"), g("4"), g("5"), g("")], greedy: nil)
        XCTAssertEqual(tie.majorityAnswer, "5")
        XCTAssertEqual(tie.extractedAnswers[4], nil)
    }

    func testAggregatesAreMeansOfTheRecords() throws {
        var options = EvaluationOptions()
        options.samples = 6
        options.temperature = 1
        options.maxTokens = 4
        options.questionsPerBatch = 2
        let e = evaluator(options)
        let items = ["a", "b", "1", "2", "c"].enumerated().map { i, gold in
            EvaluationItem(id: "\(i)", question: gold, prompt: tokenizer.encode("Q\(i):"), gold: gold)
        }
        let (result, records) = try e.evaluate(items, showProgress: false)
        XCTAssertEqual(records.count, 5)
        let pass1 = records.map { Double($0.rewards.filter { $0 == 1 }.count) / 6 }.reduce(0, +) / 5
        XCTAssertEqual(result.passAt1, pass1, accuracy: 1e-12)
        XCTAssertEqual(result.passAtK, Double(records.filter { $0.rewards.contains(1) }.count) / 5, accuracy: 1e-12)
        for record in records {
            XCTAssertEqual(record.responses.count, 6)
            XCTAssertEqual(record.rewards, record.responses.map { $0.first.map(String.init) == record.gold ? 1 : 0 })
        }
        // The greedy response equals a direct greedy generation of the same prompt.
        let engine = InferenceEngine(model: e.model)
        let greedy = try engine.generate([GenerationRequest(prompt: items[2].prompt, parameters: try SamplingParameters(temperature: 0, maxTokens: 4, seed: 0))], tokenizer: tokenizer)[0]
        XCTAssertEqual(records[2].greedyResponse, tokenizer.decode(greedy.tokens))
        // Same seed, same records.
        let (again, _) = try e.evaluate(items, showProgress: false)
        XCTAssertEqual(again.passAt1, result.passAt1)
    }
}
