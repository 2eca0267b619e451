import Foundation
import XCTest
@testable import SPORuntime

final class PolicyLossTests: XCTestCase {
    let settings = PolicyLossSettings(clipEpsilon: 0.2, logRatioClamp: 10, klBeta: 0)

    /// Three tokens, π_old = 1 (log 0), no KL, ε = 0.2:
    ///   t1: ρ = 1.5, A = +1: min(1.5, 1.2) = 1.2, clipped, gradient 0
    ///   t2: ρ = 0.9, A = +1: inside the clip range, 0.9, ∂L/∂log π = −A ρ / N = −0.3
    ///   t3: ρ = 1.5, A = −1: min(−1.5, −1.2) = −1.5, unclipped, ∂L/∂log π = +1.5 / 3 = 0.5
    ///   L_PG = −(1.2 + 0.9 − 1.5) / 3 = −0.2
    func testClipCasesByHand() {
        let sequence = PolicyLossSequence(
            logProbabilities: [Float(log(1.5)), Float(log(0.9)), Float(log(1.5))],
            oldLogProbabilities: [0, 0, 0], referenceLogProbabilities: [Float(log(1.5)), Float(log(0.9)), Float(log(1.5))],
            advantages: [1, 1, -1], mask: [true, true, true])
        let result = PolicyLoss.evaluate([sequence], settings: settings)
        XCTAssertEqual(result.policyLoss, -0.2, accuracy: 1e-6)
        XCTAssertEqual(result.loss, -0.2, accuracy: 1e-6)
        XCTAssertEqual(Double(result.gradients[0][0]), 0, accuracy: 1e-7)
        XCTAssertEqual(Double(result.gradients[0][1]), -0.3, accuracy: 1e-6)
        XCTAssertEqual(Double(result.gradients[0][2]), 0.5, accuracy: 1e-6)
        XCTAssertEqual(result.lossTokenCount, 3)
        XCTAssertEqual(result.clippedTokenCount, 1)
        XCTAssertEqual(result.ratioSum, 3.9, accuracy: 1e-6)
        XCTAssertEqual(result.kl, 0, accuracy: 1e-12)
    }

    /// k3 KL, β = 0.5, two sequences (the second has no loss token, yet counts in the
    /// average over sequences): log π = 0, log π_ref = ln 2, so Δ = ln 2,
    /// kl = 2 − ln 2 − 1 = 0.30685, KL = 0.30685 / 2 = 0.15343, ∂(β KL)/∂log π = (β / S)(1 − e^Δ) = −0.25.
    func testKLByHand() {
        let first = PolicyLossSequence(
            logProbabilities: [0], oldLogProbabilities: [0], referenceLogProbabilities: [Float(log(2.0))],
            advantages: [0], mask: [true])
        let second = PolicyLossSequence(
            logProbabilities: [-3], oldLogProbabilities: [-1], referenceLogProbabilities: [-9], advantages: [4], mask: [false])
        let result = PolicyLoss.evaluate([first, second], settings: .init(clipEpsilon: 0.2, logRatioClamp: 10, klBeta: 0.5))
        XCTAssertEqual(result.kl, (1 - log(2.0)) / 2, accuracy: 1e-7)
        XCTAssertEqual(result.loss, 0.5 * (1 - log(2.0)) / 2, accuracy: 1e-7)
        XCTAssertEqual(result.policyLoss, 0, accuracy: 1e-12)
        XCTAssertEqual(Double(result.gradients[0][0]), -0.25, accuracy: 1e-6)
        XCTAssertEqual(result.gradients[1], [0])
        XCTAssertEqual(result.lossTokenCount, 1)
    }

    /// A log-ratio past the clamp: ρ = e^10 (not e^20), and no gradient flows through it.
    func testLogRatioClamp() {
        let sequence = PolicyLossSequence(
            logProbabilities: [20], oldLogProbabilities: [0], referenceLogProbabilities: [20], advantages: [-1], mask: [true])
        let result = PolicyLoss.evaluate([sequence], settings: settings)
        XCTAssertEqual(result.ratioSum, exp(10), accuracy: 1e-6)
        XCTAssertEqual(result.policyLoss, exp(10), accuracy: 1e-6)
        XCTAssertEqual(result.gradients, [[0]])
    }

    /// No loss token at all: loss and gradients 0, no NaN.
    func testEmptyMask() {
        let sequence = PolicyLossSequence(
            logProbabilities: [-1, -2], oldLogProbabilities: [-1, -1], referenceLogProbabilities: [0, 0],
            advantages: [1, 1], mask: [false, false])
        let result = PolicyLoss.evaluate([sequence], settings: .init(clipEpsilon: 0.2, logRatioClamp: 10, klBeta: 1e-4))
        XCTAssertEqual(result.loss, 0)
        XCTAssertEqual(result.gradients, [[0, 0]])
        XCTAssertEqual(result.lossTokenCount, 0)
    }

    /// ∂L/∂log π against central differences (h = 2⁻¹⁰, exact in Float) at points away
    /// from the clip and clamp kinks: ratios e^0.1, e^0.4 (A < 0, unclipped), e^−0.1,
    /// e^0.6 (A > 0, clipped: KL gradient only), e^−0.5 (A > 0, below the range,
    /// unclipped), and a masked-out token; β = 0.3 so the KL term weighs in.
    func testGradientMatchesFiniteDifferences() {
        let lossSettings = PolicyLossSettings(clipEpsilon: 0.2, logRatioClamp: 10, klBeta: 0.3)
        let base = [
            PolicyLossSequence(
                logProbabilities: [-1.0, -0.5, -2.0], oldLogProbabilities: [-1.1, -0.9, -1.9],
                referenceLogProbabilities: [-0.8, -0.6, -2.5], advantages: [0.7, -1.3, 0.4], mask: [true, true, true]),
            PolicyLossSequence(
                logProbabilities: [-0.3, -1.7, -0.4], oldLogProbabilities: [-0.9, -1.2, -0.4],
                referenceLogProbabilities: [-0.2, -1.0, -3.0], advantages: [0.9, 0.5, 2.0], mask: [true, true, false]),
        ]
        let analytic = PolicyLoss.evaluate(base, settings: lossSettings).gradients
        let h: Float = 1.0 / 1024
        for s in base.indices {
            for t in base[s].logProbabilities.indices {
                var plus = base, minus = base
                plus[s].logProbabilities[t] += h
                minus[s].logProbabilities[t] -= h
                let numeric = (PolicyLoss.evaluate(plus, settings: lossSettings).loss
                    - PolicyLoss.evaluate(minus, settings: lossSettings).loss) / (2 * Double(h))
                XCTAssertEqual(Double(analytic[s][t]), numeric, accuracy: 1e-5, "sequence \(s) token \(t)")
            }
        }
        XCTAssertEqual(analytic[1][2], 0)
        XCTAssertNotEqual(analytic[1][0], 0, "clipped token still has the KL gradient")
    }
}
