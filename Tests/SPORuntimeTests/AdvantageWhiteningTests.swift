import XCTest
@testable import SPORuntime

final class AdvantageWhiteningTests: XCTestCase {
    /// Loss tokens hold 1, 2, 3: mean 2, unbiased variance ((1 + 0 + 1) / 2) = 1, so
    /// Â = (A − 2) / sqrt(1 + 1e-8); the masked-out 99 is neither counted nor changed.
    func testUnbiasedVarianceOverLossTokens() {
        let whitened = AdvantageWhitening.whiten([[1, 2], [3, 99]], mask: [[true, true], [true, false]])
        let scale = 1 / (1 + 1e-8).squareRoot()
        XCTAssertEqual(Double(whitened[0][0]), -scale, accuracy: 1e-7)
        XCTAssertEqual(whitened[0][1], 0)
        XCTAssertEqual(Double(whitened[1][0]), scale, accuracy: 1e-7)
        XCTAssertEqual(whitened[1][1], 99)
        let statistics = AdvantageWhitening.statistics([[1, 2], [3, 99]], mask: [[true, true], [true, false]])
        XCTAssertEqual(statistics?.mean, 2)
        XCTAssertEqual(statistics?.variance, 1)
        XCTAssertEqual(statistics?.count, 3)
    }

    /// No loss token: nothing to normalise by; values come back unchanged, never NaN.
    func testEmptyMaskLeavesValuesUnchanged() {
        let values: [[Float]] = [[0.5, -1], [2]]
        XCTAssertEqual(AdvantageWhitening.whiten(values, mask: [[false, false], [false]]), values)
        XCTAssertNil(AdvantageWhitening.statistics(values, mask: [[false, false], [false]]))
    }

    /// One loss token: the unbiased variance is undefined; it is taken as 0, so Â = 0.
    func testSingleLossTokenBecomesZero() {
        XCTAssertEqual(AdvantageWhitening.whiten([[5, 7]], mask: [[false, true]]), [[5, 0]])
    }

    /// Equal advantages (a micro-batch of one GRPO group with equal rewards is all 0)
    /// whiten to 0, not NaN.
    func testConstantAdvantagesBecomeZero() {
        XCTAssertEqual(AdvantageWhitening.whiten([[0, 0], [0]], mask: [[true, true], [true]]), [[0, 0], [0]])
    }
}
