import Foundation
import XCTest
@testable import SPORuntime

/// Cutpoint partitions and chain advantages on cases worked out by hand (method.md §2–3).
final class ChainCreditTests: XCTestCase {
    /// 12 tokens; probabilities below 0.9 at indices 2, 5, 6, 9, 11 (0.9 itself is not low).
    let probabilities: [Double] = [0.99, 0.95, 0.5, 0.97, 0.9, 0.3, 0.8, 0.99, 0.92, 0.1, 0.96, 0.6]
    var logProbabilities: [Float] { probabilities.map { Float(log($0)) } }

    func testCutpointsKeepEveryKthLowProbabilityToken() {
        // K = 2 keeps l_0 = 2, l_2 = 6, l_4 = 11.
        XCTAssertEqual(SegmentPartition.cutpoints(oldLogProbabilities: logProbabilities, threshold: 0.9, interval: 2), [2, 6, 11])
        // K = 5 keeps only l_0 = 2: one segment from token 2 to the end.
        XCTAssertEqual(SegmentPartition.cutpoints(oldLogProbabilities: logProbabilities, threshold: 0.9, interval: 5), [2])
        // K = 1: every low-probability token starts a segment.
        XCTAssertEqual(SegmentPartition.cutpoints(oldLogProbabilities: logProbabilities, threshold: 0.9, interval: 1), [2, 5, 6, 9, 11])
        // No low-probability token: no segment.
        XCTAssertEqual(SegmentPartition.cutpoints(oldLogProbabilities: [Float](repeating: log(0.95), count: 7), threshold: 0.9, interval: 5), [])
    }

    func testThreeSegmentResponseWithKnownValues() {
        // Starts [2, 6, 11], V̂(b) = 0.4, 0.7, 0.5, reward 1:
        // A = [0.7 − 0.4, 0.5 − 0.7, 1 − 0.5] = [0.3, −0.2, 0.5].
        let advantages = ChainAdvantage.segmentAdvantages(boundaryValues: [0.4, 0.7, 0.5], reward: 1)
        XCTAssertEqual(advantages[0], 0.3, accuracy: 1e-12)
        XCTAssertEqual(advantages[1], -0.2, accuracy: 1e-12)
        XCTAssertEqual(advantages[2], 0.5, accuracy: 1e-12)
        let tokens = ChainAdvantage.tokenAdvantages(responseLength: 12, segmentStarts: [2, 6, 11], advantages: advantages)
        let expected: [Float] = [0, 0, 0.3, 0.3, 0.3, 0.3, -0.2, -0.2, -0.2, -0.2, -0.2, 0.5]
        for (a, e) in zip(tokens, expected) { XCTAssertEqual(a, e, accuracy: 1e-7) }
        // Truncated response: reward 0, so the last segment's advantage is −V̂(b_2).
        XCTAssertEqual(ChainAdvantage.segmentAdvantages(boundaryValues: [0.4, 0.7, 0.5], reward: 0)[2], -0.5, accuracy: 1e-12)
    }

    func testNoSegmentMeansAllAdvantagesZero() {
        XCTAssertEqual(ChainAdvantage.tokenAdvantages(responseLength: 5, segmentStarts: [], advantages: []), [0, 0, 0, 0, 0])
    }

    func testFixedAndIntervalPartitions() {
        XCTAssertEqual(SegmentPartition.fixed(responseLength: 10, segments: 3), [0, 3, 6])
        XCTAssertEqual(SegmentPartition.fixed(responseLength: 2, segments: 4), [0, 1])
        XCTAssertEqual(SegmentPartition.everyTokens(responseLength: 10, tokens: 4), [0, 4, 8])
        XCTAssertEqual(SegmentPartition.everyTokens(responseLength: 0, tokens: 4), [])
    }
}
