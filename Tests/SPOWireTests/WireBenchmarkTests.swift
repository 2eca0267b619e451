import XCTest
@testable import SPOWire

final class WireBenchmarkTests: XCTestCase {
    func testRawAndCodecHopsRunOverBothTransports() throws {
        for transport in WireTransport.allCases {
            for mode in WireBenchmarkMode.allCases {
                let result = try WireBenchmark.run(transport: transport, messageSize: 1000, count: 200, mode: mode)
                XCTAssertGreaterThan(result.messagesPerSecond, 0, "\(transport) \(mode)")
                XCTAssertEqual(result.megabytesPerSecond, result.messagesPerSecond * 1000 / 1e6, accuracy: 1e-6)
                if mode == .raw {
                    XCTAssertEqual(result.wireBytesPerMessage, 1000)
                } else {
                    XCTAssertGreaterThan(result.wireBytesPerMessage, 1000, "payload plus envelope")
                }
            }
        }
    }

    func testBenchmarkMessageHoldsTheRequestedBytes() throws {
        for size in [100, 10_000, 4 << 20] {
            guard case .rollout(let rollout) = try WireBenchmark.benchmarkMessage(messageSize: size).body else {
                return XCTFail("a rollout")
            }
            let bytes = rollout.promptTokens.data.count + rollout.responseTokens.data.count + rollout.logProbs.data.count
            XCTAssertEqual(bytes, size)
        }
    }
}
