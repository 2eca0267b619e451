import XCTest
@testable import SPORuntime

final class GroupAdvantageTests: XCTestCase {
    /// r = [1, 0, 0, 1]: mean 0.5, population std sqrt(((0.5)² · 4) / 4) = 0.5 (the sample
    /// std would be 0.577), so A = ±0.5 / (0.5 + 1e-8).
    func testPopulationStandardDeviation() {
        let advantages = GroupAdvantage.grpo(rewards: [1, 0, 0, 1], epsilon: 1e-8)
        let expected = 0.5 / (0.5 + 1e-8)
        XCTAssertEqual(advantages[0], expected, accuracy: 1e-15)
        XCTAssertEqual(advantages[1], -expected, accuracy: 1e-15)
        XCTAssertEqual(advantages[2], -expected, accuracy: 1e-15)
        XCTAssertEqual(advantages[3], expected, accuracy: 1e-15)
    }

    /// r = [-2, 0, 1, 1] (a format penalty, a wrong and two right answers): mean 0,
    /// variance (4 + 0 + 1 + 1) / 4 = 1.5, std 1.2247448714, A = r / (std + 1e-8).
    func testFormatPenaltyGroup() {
        let advantages = GroupAdvantage.grpo(rewards: [-2, 0, 1, 1], epsilon: 1e-8)
        let std = 1.5.squareRoot() + 1e-8
        XCTAssertEqual(advantages[0], -2 / std, accuracy: 1e-12)
        XCTAssertEqual(advantages[0], -1.6329931485, accuracy: 1e-9)
        XCTAssertEqual(advantages[1], 0, accuracy: 1e-15)
        XCTAssertEqual(advantages[2], 0.8164965743, accuracy: 1e-9)
        XCTAssertEqual(advantages[3], advantages[2])
    }

    /// Equal rewards carry no signal: every advantage is exactly 0 (ε keeps it finite).
    func testEqualRewardsGiveZero() {
        XCTAssertEqual(GroupAdvantage.grpo(rewards: [1, 1, 1], epsilon: 1e-8), [0, 0, 0])
        XCTAssertEqual(GroupAdvantage.grpo(rewards: [0], epsilon: 1e-8), [0])
        XCTAssertEqual(GroupAdvantage.grpo(rewards: [], epsilon: 1e-8), [])
    }

    /// RLOO, r = [1, 0, 0, 1]: a right answer's baseline is the mean of the three others,
    /// 1/3, so A = 2/3; a wrong one's is 2/3, so A = −2/3.
    func testLeaveOneOut() {
        let advantages = GroupAdvantage.rloo(rewards: [1, 0, 0, 1])
        for (value, expected) in zip(advantages, [2.0 / 3, -2.0 / 3, -2.0 / 3, 2.0 / 3]) {
            XCTAssertEqual(value, expected, accuracy: 1e-15)
        }
        XCTAssertEqual(GroupAdvantage.rloo(rewards: [-2, 1]), [-3, 3])
        XCTAssertEqual(GroupAdvantage.rloo(rewards: [0.5]), [0])
    }
}
