import XCTest
@testable import SPOModel

/// The decode-step product y = β·y + x·Wᵀ (few rows) against a naive Double triple loop.
final class SmallBatchProductTests: XCTestCase {
    func testMatchesNaiveProductForEveryRowCountAndTail() {
        var random = RandomStream(seed: 17)
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in Float(random.nextUniform() * 2 - 1) } }
        for (m, k, beta) in [(2, 13, Float(0)), (3, 64, 1), (4, 67, 0), (5, 8, 1), (7, 1, 0), (8, 130, 1)] {
            let n = 150, ldx = k + 3, ldw = k + 1, ldy = n + 2
            let x = values(m * ldx), w = values(n * ldw), y0 = values(m * ldy)
            var y = y0
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { wp in
                    y.withUnsafeMutableBufferPointer { yp in
                        BLAS.gemm(transposeB: true, m: m, n: n, k: k, a: xp.baseAddress!, lda: ldx,
                                  b: wp.baseAddress!, ldb: ldw, beta: beta, c: yp.baseAddress!, ldc: ldy)
                    }
                }
            }
            for i in 0..<m {
                for j in 0..<n {
                    var expected = Double(beta) * Double(y0[i * ldy + j])
                    for t in 0..<k { expected += Double(x[i * ldx + t]) * Double(w[j * ldw + t]) }
                    XCTAssertEqual(Double(y[i * ldy + j]), expected, accuracy: 1e-5 * Double(k), "m \(m) k \(k) [\(i), \(j)]")
                }
                // Padding columns beyond n are untouched.
                XCTAssertEqual(y[i * ldy + n], y0[i * ldy + n])
            }
        }
    }
}
