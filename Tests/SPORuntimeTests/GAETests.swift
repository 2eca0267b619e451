import XCTest
@testable import SPORuntime

final class GAETests: XCTestCase {
    let values: [Float] = [0.2, 0.5, 0.9]

    /// γ = λ = 1, reward 1 at the end: A_t = 1 − V(s_t) = [0.8, 0.5, 0.1], G_t = 1.
    func testMonteCarloReturn() {
        let estimate = GAE.estimate(values: values, finalReward: 1, gamma: 1, lambda: 1)
        assertEqual(estimate.advantages, [0.8, 0.5, 0.1])
        assertEqual(estimate.returns, [1, 1, 1])
    }

    /// γ = 1, λ = 0: A_t = r_t + V(s_{t+1}) − V(s_t) = [0.5 − 0.2, 0.9 − 0.5, 1 − 0.9];
    /// G_t = r_t + V(s_{t+1}) = [0.5, 0.9, 1].
    func testOneStepTemporalDifference() {
        let estimate = GAE.estimate(values: values, finalReward: 1, gamma: 1, lambda: 0)
        assertEqual(estimate.advantages, [0.3, 0.4, 0.1])
        assertEqual(estimate.returns, [0.5, 0.9, 1])
    }

    /// γ = 0.9, λ = 0.5 (γλ = 0.45): δ = [0.9·0.5 − 0.2, 0.9·0.9 − 0.5, 1 − 0.9] = [0.25, 0.31, 0.1];
    /// A_2 = 0.1, A_1 = 0.31 + 0.45·0.1 = 0.355, A_0 = 0.25 + 0.45·0.355 = 0.40975.
    func testGeneralCase() {
        let estimate = GAE.estimate(values: values, finalReward: 1, gamma: 0.9, lambda: 0.5)
        assertEqual(estimate.advantages, [0.40975, 0.355, 0.1])
        assertEqual(estimate.returns, [0.60975, 0.855, 1])
    }

    /// γ = 0.5, λ = 1: the discounted return G_t = 0.5^{2−t} = [0.25, 0.5, 1], A = G − V.
    func testDiscountedMonteCarlo() {
        let estimate = GAE.estimate(values: values, finalReward: 1, gamma: 0.5, lambda: 1)
        assertEqual(estimate.advantages, [0.05, 0, 0.1])
        assertEqual(estimate.returns, [0.25, 0.5, 1])
    }

    /// Rewards at every token, V = 0, γ = λ = 1: A_t = Σ_{k ≥ t} r_k = [1.5, 1, 1].
    func testPerTokenRewards() {
        let estimate = GAE.estimate(values: [0, 0, 0], rewards: [0.5, 0, 1], gamma: 1, lambda: 1)
        assertEqual(estimate.advantages, [1.5, 1, 1])
        assertEqual(estimate.returns, [1.5, 1, 1])
    }

    func testEmptyResponse() {
        XCTAssertEqual(GAE.estimate(values: [], finalReward: 1, gamma: 1, lambda: 1), GAE.Estimate(advantages: [], returns: []))
    }

    private func assertEqual(_ actual: [Float], _ expected: [Double], line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, line: line)
        for (a, e) in zip(actual, expected) { XCTAssertEqual(Double(a), e, accuracy: 1e-6, line: line) }
    }
}
