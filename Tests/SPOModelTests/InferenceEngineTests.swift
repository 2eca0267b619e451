import XCTest
@testable import SPOModel

/// The cached inference path against the training forward (an independent code path for
/// attention) and against recomputation from scratch. Tolerance 1e-4 on log-probabilities.
final class InferenceEngineTests: XCTestCase {
    let tolerance = 1e-4

    func logSoftmax(_ row: [Float], _ token: Int32) -> Double {
        let m = Double(row.max()!)
        let lse = m + log(row.reduce(0.0) { $0 + exp(Double($1) - m) })
        return Double(row[Int(token)]) - lse
    }

    func sequence(_ n: Int, salt: Int = 0) -> [Int32] { (0..<n).map { Int32(($0 * 7 + salt * 3 + 1) % 11) } }

    func testDecodeMatchesFullForwardAcrossBlockBoundaries() throws {
        let model = TestModels.tinyModel()
        let tokens = sequence(23)
        let reference = try model.forward(try TokenBatch(sequences: [tokens])).logProbabilities
        for (blockSize, prefill) in [(4, 5), (4, 8), (16, 1), (3, 10)] {
            let engine = InferenceEngine(model: model, blockSize: blockSize)
            let id = engine.makeSequence()
            var logits = try engine.extend([id], with: [Array(tokens[..<prefill])], logits: .all)
            for t in prefill..<tokens.count {
                // Row predicting token t is the last row returned so far.
                XCTAssertEqual(logSoftmax(logits.last!, tokens[t]), Double(reference[t - 1]), accuracy: tolerance,
                               "block \(blockSize) prefill \(prefill) token \(t)")
                logits = try engine.extend([id], with: [[tokens[t]]], logits: .all)
            }
            for t in 1..<prefill {
                let all = try engine.extend([engine.makeSequence()], with: [Array(tokens[..<prefill])], logits: .all)
                XCTAssertEqual(logSoftmax(all[t - 1], tokens[t]), Double(reference[t - 1]), accuracy: tolerance)
            }
        }
    }

    func testMultiTokenExtendAfterCachedPrefixAndMixedBatch() throws {
        let model = TestModels.tinyModel(tied: true)
        let a = sequence(19, salt: 1), b = sequence(9, salt: 2), c = sequence(14, salt: 3)
        let reference = try model.forward(try TokenBatch(sequences: [a, b, c]))
        func ref(_ s: Int, _ t: Int) -> Double { Double(reference.logProbabilities[reference.batch.scoredOffsets[s] + t - 1]) }
        let engine = InferenceEngine(model: model, blockSize: 4)
        let ids = try engine.prefill([Array(a[..<7]), Array(b[..<1]), Array(c[..<5])])
        // One call: 5 more tokens for a (gathered path over a cached prefix), 1 for b (decode
        // kernel), 9 for c.
        let logits = try engine.extend(ids, with: [Array(a[7..<12]), [b[1]], Array(c[5..<14])], logits: .all)
        let rowsA = 0..<5, rowB = 5, rowsC = 6..<15
        for (k, row) in rowsA.enumerated() where 8 + k < 12 {
            XCTAssertEqual(logSoftmax(logits[row], a[8 + k]), ref(0, 8 + k), accuracy: tolerance)
        }
        XCTAssertEqual(logSoftmax(logits[rowB], b[2]), ref(1, 2), accuracy: tolerance)
        for (k, row) in rowsC.enumerated() where 6 + k < 14 {
            XCTAssertEqual(logSoftmax(logits[row], c[6 + k]), ref(2, 6 + k), accuracy: tolerance)
        }
        XCTAssertEqual(try engine.tokens(of: ids[0]), Array(a[..<12]))
    }

    func testForkedChildrenMatchRecomputedPrefixes() throws {
        let model = TestModels.tinyModel()
        let prompt = sequence(6)
        let engine = InferenceEngine(model: model, blockSize: 4)
        let parent = try engine.prefill([prompt])[0]
        let blocksBefore = engine.cache.blocksInUse
        let children = try engine.fork(parent, count: 3)
        XCTAssertEqual(engine.cache.blocksInUse, blocksBefore, "forking must not copy blocks")
        XCTAssertEqual(try engine.nextLogits(of: children[1]), try engine.nextLogits(of: parent))
        // Children diverge: different continuations, some by decode steps, some in one extend.
        let continuations: [[Int32]] = [[3, 9, 1, 4, 4, 7, 2], [5], [10, 10, 0, 8, 1]]
        for (child, continuation) in zip(children, continuations) where continuation.count > 1 {
            try engine.extend([child], with: [Array(continuation[..<2])])
            for token in continuation[2...] { try engine.extend([child], with: [[token]]) }
        }
        try engine.extend([children[1]], with: [continuations[1]])
        try engine.extend([parent], with: [[6, 6]])
        // Only the one partly filled shared block is copied per writer, plus fresh blocks.
        for (id, continuation) in zip(children + [parent], continuations + [[6, 6]]) {
            let full = prompt + continuation
            XCTAssertEqual(try engine.tokens(of: id), full)
            let fresh = InferenceEngine(model: model, blockSize: 7)
            let freshID = try fresh.prefill([full])[0]
            let expected = try fresh.nextLogits(of: freshID), actual = try engine.nextLogits(of: id)
            for v in stride(from: 0, to: expected.count, by: 1) {
                XCTAssertEqual(actual[v], expected[v], accuracy: 1e-4, "\(id) logit \(v)")
            }
        }
        children.forEach(engine.release)
        engine.release(parent)
        XCTAssertEqual(engine.cache.blocksInUse, 0, "all blocks return to the pool")
    }

    func testErrorsNameTheProblem() throws {
        let engine = InferenceEngine(model: TestModels.tinyModel())
        let id = try engine.prefill([[1, 2]])[0]
        XCTAssertThrowsError(try engine.extend([id], with: [[99]])) { XCTAssertTrue("\($0)".contains("vocabulary")) }
        XCTAssertThrowsError(try engine.extend([id], with: [[]]))
        XCTAssertThrowsError(try engine.extend([id], with: [Array(repeating: 1, count: 63)])) {
            XCTAssertTrue("\($0)".contains("max_position_embeddings"))
        }
        engine.release(id)
        XCTAssertThrowsError(try engine.extend([id], with: [[1]])) { XCTAssertTrue("\($0)".contains("released")) }
    }
}
