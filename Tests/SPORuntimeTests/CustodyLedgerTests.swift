import XCTest
@testable import SPORuntime

final class CustodyLedgerTests: XCTestCase {
    func testInputWithoutOutputsIsAcknowledgedOnClose() {
        var ledger = CustodyLedger()
        XCTAssertEqual(ledger.arrive("a"), .new)
        XCTAssertEqual(ledger.arrive("a"), .inProgress)
        XCTAssertEqual(ledger.takeAcknowledgeable(), [])
        ledger.close("a")
        XCTAssertEqual(ledger.takeAcknowledgeable(), ["a"])
        XCTAssertEqual(ledger.takeAcknowledgeable(), [])
        XCTAssertEqual(ledger.arrive("a"), .completed)
        XCTAssertEqual(ledger.openCount, 0)
    }

    func testInputWaitsForEveryOutputAck() {
        var ledger = CustodyLedger()
        _ = ledger.arrive("batch")
        ledger.addOutput("r0", to: "batch")
        ledger.addOutput("r1", to: "batch")
        ledger.close("batch")
        XCTAssertEqual(ledger.takeAcknowledgeable(), [])
        ledger.acknowledgeOutputs(["r0", "someone-else's"])
        XCTAssertEqual(ledger.takeAcknowledgeable(), [])
        XCTAssertEqual(ledger.arrive("batch"), .inProgress)
        ledger.acknowledgeOutputs(["r1"])
        XCTAssertEqual(ledger.takeAcknowledgeable(), ["batch"])
        ledger.acknowledgeOutputs(["r1"])
        XCTAssertEqual(ledger.takeAcknowledgeable(), [])
    }

    func testOutputAcknowledgedBeforeClose() {
        var ledger = CustodyLedger()
        _ = ledger.arrive("a")
        ledger.addOutput("x", to: "a")
        ledger.acknowledgeOutputs(["x"])
        XCTAssertEqual(ledger.takeAcknowledgeable(), [])
        ledger.close("a")
        XCTAssertEqual(ledger.takeAcknowledgeable(), ["a"])
    }

    /// The memory of acknowledged ids is bounded: the oldest is forgotten first.
    func testMemoryIsBounded() {
        var ledger = CustodyLedger(memory: 2)
        for id in ["a", "b", "c"] {
            _ = ledger.arrive(id)
            ledger.close(id)
        }
        XCTAssertEqual(ledger.takeAcknowledgeable(), ["a", "b", "c"])
        XCTAssertEqual(ledger.arrive("c"), .completed)
        XCTAssertEqual(ledger.arrive("a"), .new)
    }
}
