import XCTest
import SPOPipelineSpec
@testable import SPORuntime

final class ValueLossTests: XCTestCase {
    let settings = ValueLoss(coefficient: 0.5, clip: 0.2)

    /// k = 0.5, c = 0.2, N = 3 loss tokens:
    ///   a: V = 1.0, V_old = 0.7 → V_clip = 0.9; G = 2: (1 − 2)² = 1 < (0.9 − 2)² = 1.21, clipped, gradient 0
    ///   b: V = 0.5, V_old = 0.4 → inside, V_clip = V; G = 1: 0.25, ∂ = 2k(0.5 − 1)/3 = −1/6
    ///   c: masked out (gradient 0, not counted)
    ///   d: V = 1.0, V_old = 0.7 → V_clip = 0.9; G = 0: 1 > 0.81, unclipped, ∂ = 2k(1 − 0)/3 = 1/3
    ///   L = 0.5 · (1.21 + 0.25 + 1) / 3 = 0.41
    /// Explained variance over (a, b, d): G = [2, 1, 0], Var = 2/3; G − V = [1, 0.5, −1], mean 1/6,
    /// Var = (25 + 4 + 49)/36/3 = 13/18; 1 − (13/18)/(2/3) = −1/12.
    func testClippedAndUnclippedTokensByHand() {
        let first = ValueLossSequence(values: [1.0, 0.5, 0.0], oldValues: [0.7, 0.4, 0.1], returns: [2, 1, 0],
                                      mask: [true, true, false])
        let second = ValueLossSequence(values: [1.0], oldValues: [0.7], returns: [0], mask: [true])
        let result = settings.evaluate([first, second])
        XCTAssertEqual(result.loss, 0.41, accuracy: 1e-6)
        XCTAssertEqual(result.gradients.count, 2)
        XCTAssertEqual(Double(result.gradients[0][0]), 0, accuracy: 1e-9)
        XCTAssertEqual(Double(result.gradients[0][1]), -1.0 / 6, accuracy: 1e-6)
        XCTAssertEqual(Double(result.gradients[0][2]), 0, accuracy: 1e-9)
        XCTAssertEqual(Double(result.gradients[1][0]), 1.0 / 3, accuracy: 1e-6)
        XCTAssertEqual(result.lossTokenCount, 3)
        XCTAssertEqual(result.clippedTokenCount, 1)
        XCTAssertEqual(result.clipFraction, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(result.explainedVariance ?? .nan, -1.0 / 12, accuracy: 1e-6)
    }

    /// A critic equal to the returns explains all their variance and has zero loss.
    func testPerfectCritic() {
        let sequence = ValueLossSequence(values: [0, 1, 3], oldValues: [0, 1, 3], returns: [0, 1, 3], mask: [true, true, true])
        let result = settings.evaluate([sequence])
        XCTAssertEqual(result.loss, 0)
        XCTAssertEqual(result.gradients, [[0, 0, 0]])
        XCTAssertEqual(result.explainedVariance ?? .nan, 1, accuracy: 1e-12)
    }

    func testEmptyMaskGivesZeroAndNoNaN() {
        let sequence = ValueLossSequence(values: [0.3, 5], oldValues: [0, 0], returns: [1, 1], mask: [false, false])
        let result = settings.evaluate([sequence, ValueLossSequence(values: [], oldValues: [], returns: [], mask: [])])
        XCTAssertEqual(result.loss, 0)
        XCTAssertEqual(result.gradients, [[0, 0], []])
        XCTAssertEqual(result.lossTokenCount, 0)
        XCTAssertEqual(result.clipFraction, 0)
        XCTAssertNil(result.explainedVariance)
        XCTAssertEqual(settings.evaluate([]).loss, 0)
    }

    /// Equal returns have no variance to explain.
    func testConstantReturnsHaveNoExplainedVariance() {
        let sequence = ValueLossSequence(values: [0.1, 0.4], oldValues: [0.1, 0.4], returns: [0.7, 0.7], mask: [true, true])
        XCTAssertNil(settings.evaluate([sequence]).explainedVariance)
    }

    /// The gradient agrees with central differences of the loss, away from the kinks.
    /// Token 0 lies inside its clip range; 1 (V_clip = −0.1, 0.81 > 0.3025) and 4
    /// (V_clip = 1.4, 0.36 > 0.04) are clipped; 2 (V_clip = 1.0, 1.44 > 0.81) is outside the
    /// range but unclipped; 3 is masked out.
    func testGradientMatchesFiniteDifferences() {
        var values: [Float] = [0.3, -0.45, 1.3, 0.05, 1.8]
        let old: [Float] = [0.2, 0.1, 0.8, 0.0, 1.2], returns: [Float] = [1, -1, 0.1, 0.5, 2]
        let mask = [true, true, true, false, true]
        func evaluate() -> ValueLossResult {
            settings.evaluate([ValueLossSequence(values: values, oldValues: old, returns: returns, mask: mask)])
        }
        let gradients = evaluate().gradients[0]
        XCTAssertEqual(evaluate().clippedTokenCount, 2)
        XCTAssertEqual(gradients[1], 0)
        XCTAssertEqual(gradients[4], 0)
        let epsilon: Float = 1e-3
        for t in values.indices {
            values[t] += epsilon; let plus = evaluate().loss
            values[t] -= 2 * epsilon; let minus = evaluate().loss
            values[t] += epsilon
            let fd = (plus - minus) / Double(2 * epsilon)
            XCTAssertEqual(Double(gradients[t]), fd, accuracy: 1e-4, "token \(t)")
        }
    }
}
