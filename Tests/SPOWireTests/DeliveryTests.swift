import Foundation
import XCTest
@testable import SPOWire

final class DeliveryTests: XCTestCase {
    private let start = ContinuousClock.now

    private func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    func testTrackerResendsAfterTimeoutAndAbandonsAfterMaxAttempts() {
        var tracker = AckTracker(ackTimeout: .milliseconds(100), maxAttempts: 3)
        tracker.track(messageID: "a", frames: [Data([1])], sentAt: at(0))
        tracker.track(messageID: "b", frames: [Data([2])], sentAt: at(50))
        XCTAssertEqual(tracker.pendingIDs, ["a", "b"])
        XCTAssertEqual(tracker.collectDue(at: at(99)), AckTracker.Due(resend: [], abandoned: []))

        var due = tracker.collectDue(at: at(100))
        XCTAssertEqual(due.resend.map(\.messageID), ["a"])
        XCTAssertEqual(due.resend[0].attempts, 2)
        XCTAssertEqual(due.resend[0].deadline, at(200))
        XCTAssertEqual(due.resend[0].frames, [Data([1])])

        XCTAssertEqual(tracker.acknowledge(["b", "unknown"]), 1)
        due = tracker.collectDue(at: at(200))
        XCTAssertEqual(due.resend.map(\.messageID), ["a"])
        XCTAssertEqual(due.resend[0].attempts, 3)
        due = tracker.collectDue(at: at(300))
        XCTAssertEqual(due.resend, [])
        XCTAssertEqual(due.abandoned.map(\.messageID), ["a"])
        XCTAssertEqual(tracker.pendingCount, 0)
    }

    func testTrackerResendsInDeadlineOrder() {
        var tracker = AckTracker(ackTimeout: .milliseconds(10), maxAttempts: 5)
        tracker.track(messageID: "late", frames: [], sentAt: at(5))
        tracker.track(messageID: "early", frames: [], sentAt: at(0))
        XCTAssertEqual(tracker.collectDue(at: at(1000)).resend.map(\.messageID), ["early", "late"])
        XCTAssertEqual(tracker.acknowledge(["early", "late", "early"]), 2)
    }

    func testRecentMessageIDsForgetsTheOldest() {
        var recent = RecentMessageIDs(capacity: 2)
        XCTAssertTrue(recent.insert("a"))
        XCTAssertFalse(recent.insert("a"))
        XCTAssertTrue(recent.insert("b"))
        XCTAssertTrue(recent.insert("c"))
        XCTAssertFalse(recent.contains("a"))
        XCTAssertTrue(recent.contains("b") && recent.contains("c"))
        XCTAssertTrue(recent.insert("a"))
        XCTAssertFalse(recent.contains("b"))
    }

    /// A producer and a consumer over ipc with an ack channel back. The consumer "loses"
    /// the first delivery of one message (processes nothing, sends no ack); the producer
    /// re-sends it after the timeout; the consumer drops the duplicate it then also gets
    /// for a message whose ack was lost, and every message is processed exactly once.
    func testLostWorkIsResentUntilAcknowledged() throws {
        let directory = try TemporaryDirectory("DeliveryTests")
        defer { directory.remove() }
        let context = try ZMQContext()
        let workIn = try ZMQSocket(context: context, type: .pull)
        try workIn.bind(directory.endpoint("work"))
        let workOut = try ZMQSocket(context: context, type: .push)
        try workOut.connect(directory.endpoint("work"))
        let acksIn = try ZMQSocket(context: context, type: .pull)
        try acksIn.bind(directory.endpoint("acks"))
        let acksOut = try ZMQSocket(context: context, type: .push)
        try acksOut.connect(directory.endpoint("acks"))

        let sender = ReliableSender(socket: workOut, ackTimeout: .milliseconds(50), maxAttempts: 5)
        let consumer = MessageReceiver(socket: workIn, accepting: [.rollout], log: { XCTFail($0) })
        let ackReceiver = MessageReceiver(socket: acksIn, accepting: [.control], log: { XCTFail($0) })
        var ids = MessageIDGenerator(stage: "generate", replica: 0, incarnation: "t")
        var ackIDs = MessageIDGenerator(stage: "partition", replica: 0, incarnation: "t")
        var seen = RecentMessageIDs(capacity: 100)
        var processed: [String] = []
        let sent = try (0..<5).map { _ in try SampleMessages.message(.rollout(try SampleMessages.rollout()), id: ids.next()) }
        for message in sent { try sender.send(message) }
        XCTAssertEqual(sender.pendingCount, 5)

        var dropFirstDeliveryOf: Set<String> = [sent[1].envelope.messageID]
        var loseAckOf: Set<String> = [sent[3].envelope.messageID]
        let deadline = ContinuousClock.now + .seconds(10)
        while sender.pendingCount > 0 && ContinuousClock.now < deadline {
            while let received = try consumer.receive(timeout: .milliseconds(10)) {
                let id = received.message.envelope.messageID
                if dropFirstDeliveryOf.remove(id) != nil { continue }
                if seen.insert(id) { processed.append(id) }
                if loseAckOf.remove(id) != nil { continue }
                let ack = Message(
                    envelope: try Envelope(runID: "run-1", messageID: ackIDs.next(), parentIDs: [id], stage: "partition",
                                           replica: 0, iteration: 7, policyVersion: 3),
                    body: .control(try .acknowledging([id])))
                try acksOut.send(ack)
            }
            while let ack = try ackReceiver.receive(timeout: .milliseconds(1)) {
                guard case .control(let control) = ack.message.body else { continue }
                sender.handle(control)
            }
            XCTAssertEqual(try sender.resendDue(), [], "nothing is abandoned")
        }
        XCTAssertEqual(sender.pendingCount, 0)
        XCTAssertEqual(processed.sorted(), sent.map(\.envelope.messageID).sorted(), "each processed exactly once")
        XCTAssertGreaterThanOrEqual(consumer.acceptedCount, 7, "two re-sends arrived")
    }

    func testUnacknowledgedWorkIsAbandonedAfterMaxAttempts() throws {
        let context = try ZMQContext()
        let sink = try ZMQSocket(context: context, type: .pull)
        try sink.bind("inproc://sink")
        let out = try ZMQSocket(context: context, type: .push)
        try out.connect("inproc://sink")
        let sender = ReliableSender(socket: out, ackTimeout: .milliseconds(10), maxAttempts: 2)
        let message = try SampleMessages.message(.control(.heartbeat), id: "x.0.t.1")
        try sender.send(message, now: start)
        XCTAssertEqual(try sender.resendDue(now: start + .milliseconds(10)), [])
        XCTAssertEqual(try sender.resendDue(now: start + .milliseconds(20)), ["x.0.t.1"])
        XCTAssertEqual(sender.pendingCount, 0)
        let receiver = MessageReceiver(socket: sink, log: { _ in })
        XCTAssertEqual(try receiver.receive(timeout: .seconds(5))?.message, message)
        XCTAssertEqual(try receiver.receive(timeout: .seconds(5))?.message, message, "the re-send is identical")
        XCTAssertEqual(sender.handle(.heartbeat), 0)
    }
}
