import Foundation
import SPOModel
import XCTest

final class FastExpTests: XCTestCase {
    /// Every x = −87 + k · 2⁻¹² up to 88 (716 801 points), against Foundation's Double exp.
    func testRelativeErrorBelow2e6OverTheNormalRange() {
        let values = (0...716_800).map { Float(-87 + Double($0) / 4096) }
        var results = values
        results.withUnsafeMutableBufferPointer {
            FastMath.expInPlace($0.baseAddress!, count: $0.count)
        }
        var worst = (error: 0.0, x: Float(0))
        for (x, result) in zip(values, results) {
            let reference = Foundation.exp(Double(x))
            let error = abs(Double(result) - reference) / reference
            if error > worst.error {
                worst = (error, x)
            }
        }
        XCTAssertLessThan(worst.error, 2e-6, "worst relative error at x = \(worst.x)")
    }

    func testSpecialValues() {
        XCTAssertEqual(FastMath.exp(0), 1)
        XCTAssertEqual(Double(FastMath.exp(1)), M_E, accuracy: 2e-6 * M_E)
        XCTAssertEqual(FastMath.exp(-88), 0)  // below ln(Float.leastNormalMagnitude) ≈ −87.34
        XCTAssertEqual(FastMath.exp(-.infinity), 0)
        XCTAssertEqual(FastMath.exp(89), .infinity)  // above ln(Float.greatestFiniteMagnitude) ≈ 88.72
        XCTAssertEqual(FastMath.exp(.infinity), .infinity)
        XCTAssertTrue(FastMath.exp(.nan).isNaN)
        let nearMax = Float(88.7)  // exp(nearMax) needs 2¹²⁸ · e^(nearMax − 128 ln 2)
        let reference = Foundation.exp(Double(nearMax))
        XCTAssertEqual(Double(FastMath.exp(nearMax)), reference, accuracy: 2e-6 * reference)
    }

    /// Lanes are independent: each lane of an 8-wide call equals the 1-wide result.
    func testLanesAreIndependent() {
        let x = SIMD8<Float>(-3, 0, 1.5, -100, 20, 0.5, -0.5, 88)
        let result = FastMath.exp(x)
        for lane in 0..<8 {
            XCTAssertEqual(result[lane], FastMath.exp(x[lane]))
        }
    }

    func testExpInPlaceHandlesAPartialVector() {
        var values: [Float] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1]
        values.withUnsafeMutableBufferPointer { FastMath.expInPlace($0.baseAddress!, count: 11) }
        for (k, value) in values.enumerated() {
            let reference = Foundation.exp(Double(k == 10 ? -1 : k))
            XCTAssertEqual(Double(value), reference, accuracy: 2e-6 * reference)
        }
    }

    /// Σ exp((x − 2) · 0.5) over x = 0…12 = e⁻¹ · (1 − e^6.5) / (1 − e^0.5), a geometric series.
    func testSumExpIsAGeometricSeries() {
        let values = (0...12).map(Float.init)
        let sum = values.withUnsafeBufferPointer {
            FastMath.sumExp($0.baseAddress!, count: $0.count, subtracting: 2, scaledBy: 0.5)
        }
        let expected = Foundation.exp(-1.0) * (1 - Foundation.exp(6.5)) / (1 - Foundation.exp(0.5))
        XCTAssertEqual(Double(sum), expected, accuracy: 4e-6 * expected)
    }

    func testMaximumAndFirstIndex() {
        var values = (0..<45).map { Float($0 % 7) - 10 }
        values[33] = 4
        values[41] = 4
        values[44] = .nan
        values.withUnsafeBufferPointer {
            XCTAssertEqual(FastMath.maximum($0.baseAddress!, count: 45), 4)
            XCTAssertEqual(FastMath.firstIndex(of: 4, in: $0.baseAddress!, count: 45), 33)
            XCTAssertEqual(FastMath.firstIndex(of: 5, in: $0.baseAddress!, count: 45), nil)
            XCTAssertEqual(FastMath.maximum($0.baseAddress! + 42, count: 3), -10 + Float(43 % 7))
        }
    }
}
