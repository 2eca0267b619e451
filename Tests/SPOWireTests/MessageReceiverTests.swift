import Foundation
import XCTest
@testable import SPOWire

/// Every class of bad input sent over a real socket pair, each followed by a valid message
/// that must still arrive.
final class MessageReceiverTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var context: ZMQContext!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory("MessageReceiverTests")
        context = try ZMQContext()
    }

    override func tearDown() {
        context = nil
        directory.remove()
    }

    func testBadInputIsCountedLoggedAndDroppedOverIpc() throws {
        let pull = try ZMQSocket(context: context, type: .pull)
        try pull.bind(directory.endpoint("rollouts"))
        let push = try ZMQSocket(context: context, type: .push)
        try push.connect(directory.endpoint("rollouts"))
        let log = LogLines()
        let limits = MessagePackLimits(maxBytes: 4096, maxDepth: 16, maxObjects: 10_000)
        let receiver = MessageReceiver(socket: pull, accepting: [.rollout, .control], limits: limits, log: log.append)

        let valid = try SampleMessages.message(.rollout(try SampleMessages.rollout()))
        let encoded = MessageCodec.encode(valid)
        let heartbeat = try SampleMessages.message(.control(.heartbeat))
        var rolloutBody = MessageCodec.messagePack(valid).mapValue!["body"]!.mapValue!
        rolloutBody["log_probs"] = NumericArray([Float(0)]).messagePack
        let bad: [(WireDecodingError.Reason, [Data])] = [
            (.malformed, [Data([0xc1, 0x00])]),
            (.malformed, [Data("not msgpack at all".utf8)]),
            (.malformed, [MessagePackEncoder.encode(.array([.int(1)]))]),
            (.malformed, (0..<6).map { _ in encoded }),
            (.truncated, [encoded.prefix(encoded.count / 2)]),
            (.truncated, [Data()]),
            (.oversized, [Data(count: 5000)]),
            (.wrongProtocol, [SampleMessages.encoded(valid, replacing: "protocol", with: .string("http"))]),
            (.unsupportedVersion, [SampleMessages.encoded(valid, replacing: "version", with: .int(2))]),
            (.unknownType, [SampleMessages.encoded(valid, replacing: "type", with: .int(4242))]),
            (.unexpectedType, [MessageCodec.encode(try SampleMessages.message(.metrics(Metrics(values: [:]))))]),
            (.invalidField, [SampleMessages.encoded(valid, replacing: "body", with: .map(rolloutBody))]),
            (.invalidField, [SampleMessages.encoded(heartbeat, replacing: "message_id", with: nil)]),
        ]
        var expectedCounts: [WireDecodingError.Reason: Int] = [:]
        for (index, (reason, frames)) in bad.enumerated() {
            try push.send(frames: frames)
            try push.send(encoded)
            let received = try XCTUnwrap(try receiver.receive(timeout: .seconds(5)), "valid message after \(reason)")
            XCTAssertEqual(received.message, valid)
            expectedCounts[reason, default: 0] += 1
            XCTAssertEqual(receiver.dropCounts, expectedCounts, "after case \(index) (\(reason))")
            XCTAssertEqual(log.lines.count, index + 1)
            XCTAssertTrue(log.lines.last!.hasPrefix("dropped \(reason.rawValue) message ("), log.lines.last!)
            XCTAssertFalse(log.lines.last!.contains("\n"))
        }
        XCTAssertEqual(receiver.acceptedCount, bad.count)
        XCTAssertEqual(receiver.droppedCount, bad.count)
        XCTAssertEqual(Set(expectedCounts.keys), Set(WireDecodingError.Reason.allCases), "every class was sent")
        XCTAssertTrue(log.lines.contains { $0.contains("protocol major version 2") }, "\(log.lines)")
        XCTAssertTrue(log.lines.contains { $0.contains("(6 frames)") || $0.contains("6 frames") }, "\(log.lines)")
        XCTAssertNil(try receiver.receive(timeout: .milliseconds(20)), "nothing left: timeout gives nil")
    }

    func testBadInputCannotHoldTheReceiverPastItsTimeout() throws {
        let pull = try ZMQSocket(context: context, type: .pull)
        try pull.bind("inproc://flood")
        let push = try ZMQSocket(context: context, type: .push)
        try push.connect("inproc://flood")
        for _ in 0..<100 { try push.send(Data([0xc1])) }
        let receiver = MessageReceiver(socket: pull, log: { _ in })
        XCTAssertNil(try receiver.receive(timeout: .milliseconds(50)))
        XCTAssertEqual(receiver.dropCounts, [.malformed: 100])
    }

    func testPublishSubscribeCarriesTheTopicFrame() throws {
        let publisher = try ZMQSocket(context: context, type: .pub)
        try publisher.bind(directory.endpoint("control"))
        let subscriber = try ZMQSocket(context: context, type: .sub)
        try subscriber.subscribe("control")
        try subscriber.connect(directory.endpoint("control"))
        let receiver = MessageReceiver(socket: subscriber, accepting: [.control], log: { _ in })
        let stop = try SampleMessages.message(.control(.stop(reason: "end of run")))
        var received: ReceivedMessage?
        for _ in 0..<100 where received == nil {
            try publisher.send(try SampleMessages.message(.metrics(Metrics(values: ["x": 1]))))
            let frames = try publisher.send(stop)
            XCTAssertEqual(frames.first, Data("control".utf8))
            received = try receiver.receive(timeout: .milliseconds(20))
        }
        let message = try XCTUnwrap(received)
        XCTAssertEqual(message.message, stop)
        XCTAssertEqual(message.routingFrames, [Data("control".utf8)])
        XCTAssertEqual(receiver.droppedCount, 0, "the metrics topic was filtered by the subscription")
    }

    /// Large payloads are sent without a copy and decoded in place: their arrays keep the
    /// received libzmq message alive, so they must stay intact after later receives.
    func testLargeMessagesKeepTheirBytesAfterLaterReceives() throws {
        let pull = try ZMQSocket(context: context, type: .pull)
        try pull.bind(directory.endpoint("large"))
        let push = try ZMQSocket(context: context, type: .push)
        try push.connect(directory.endpoint("large"))
        let receiver = MessageReceiver(socket: pull, log: { XCTFail($0) })
        func rollout(_ seed: Int32) throws -> Message {
            let count = 50_000
            return try SampleMessages.message(.rollout(try Rollout(
                promptID: "p\(seed)", groupID: "g", sampleIndex: 0, promptTokens: [seed],
                responseTokens: (0..<Int32(count)).map { $0 &* seed }, logProbs: (0..<count).map { -Float($0 % 100) / Float(seed) },
                reward: Double(seed), stopReason: .length, temperature: 1)))
        }
        let messages = try (1...3).map { try rollout(Int32($0)) }
        for message in messages {
            let frames = try push.send(message)
            XCTAssertGreaterThanOrEqual(frames[0].count, ZMQSocket.zeroCopyThreshold)
        }
        var received: [Message] = []
        for _ in messages { received.append(try XCTUnwrap(try receiver.receive(timeout: .seconds(5))).message) }
        XCTAssertEqual(received, messages)
        guard case .rollout(let first) = received[0].body else { return XCTFail("a rollout") }
        XCTAssertEqual(first.responseTokens.int32Values[49_999], 49_999)
    }
}
