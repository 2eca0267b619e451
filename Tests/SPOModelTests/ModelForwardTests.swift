import XCTest
@testable import SPOModel

final class ModelForwardTests: XCTestCase {
    func testLogProbabilitiesMatchNaiveReference() throws {
        for tied in [false, true] {
            let model = TestModels.tinyModel(tied: tied)
            let naive = NaiveLlama(model: model)
            let sequences: [[Int32]] = [[1, 5, 9, 3, 3, 7, 10], [2, 4], [0, 8, 6, 5, 1]]
            let starts = [3, 1, 2]
            let batch = try TokenBatch(sequences: sequences, scoreStarts: starts)
            let pass = try model.forward(batch, temperature: 0.7)
            for (s, sequence) in sequences.enumerated() {
                let expected = naive.logProbabilities(sequence, scoreStart: starts[s], temperature: 0.7)
                let entropies = naive.entropies(sequence, scoreStart: starts[s], temperature: 0.7)
                let range = batch.scoredOffsets[s]..<batch.scoredOffsets[s + 1]
                XCTAssertEqual(range.count, expected.count)
                for (r, e, h) in zip3(range, expected, entropies) {
                    XCTAssertEqual(Double(pass.logProbabilities[r]), e, accuracy: 1e-5, "tied \(tied) seq \(s)")
                    XCTAssertEqual(Double(pass.entropies[r]), h, accuracy: 1e-5, "tied \(tied) seq \(s)")
                }
            }
        }
    }

    func testBadBatchesAreRejected() throws {
        let model = TestModels.tinyModel()
        XCTAssertThrowsError(try model.forward(try TokenBatch(sequences: [[1, 11]]))) {
            XCTAssertTrue("\($0)".contains("outside the vocabulary"), "\($0)")
        }
        XCTAssertThrowsError(try TokenBatch(sequences: [[]]))
        XCTAssertThrowsError(try TokenBatch(sequences: [[1, 2]], scoreStarts: [3]))
        XCTAssertThrowsError(try model.forward(try TokenBatch(sequences: [[1, 2]]), temperature: 0))
    }
}

func zip3<A: Sequence, B: Sequence, C: Sequence>(_ a: A, _ b: B, _ c: C) -> [(A.Element, B.Element, C.Element)] {
    zip(a, zip(b, c)).map { ($0, $1.0, $1.1) }
}
