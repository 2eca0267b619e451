import Foundation
import XCTest
import SPOPipelineSpec
import SPOWire
@testable import SPORuntime

/// The tap (docs/protocol.md section 13) in one process: an XPUB publisher knows whether
/// anyone listens, copies work without taking it, and `spo tap`'s renderer summarises
/// numeric arrays with values worked out by hand.
final class TapTests: XCTestCase {
    var directory: URL!
    let context = try! ZMQContext()

    override func setUpWithError() throws {
        directory = URL(fileURLWithPath: "/tmp/spo-tap-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The smallest GRPO spec, its run (and so its sockets) in the test's directory.
    func spec() throws -> ResolvedPipelineSpec {
        let json = """
            {"name": "tap-test", "method": "grpo", "run_directory": "\(directory.path)/run",
             "model": {"config": "configs/models/tiny.json"}, "tokenizer": "configs/tokenizers/char.json",
             "task": {"kind": "arithmetic", "config": "configs/tasks/arithmetic.json"}, "iterations": 1}
            """
        return try PipelineSpec.resolve(json: Data(json.utf8), sourceName: "tap-test")
    }

    /// Calls `refresh` until `condition` holds (subscriptions travel asynchronously).
    func waitFor(_ tap: TapPublisher, _ condition: () -> Bool, file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(5)
        while !condition() && Date() < deadline {
            tap.refresh()
            Thread.sleep(forTimeInterval: 0.005)
        }
        XCTAssertTrue(condition(), "timed out", file: file, line: line)
    }

    func rolloutMessage() throws -> Message {
        let envelope = try Envelope(
            runID: "tap-test", messageID: "rollout/p@0/1", parentIDs: ["prompts/0/0"], stage: "generate", replica: 0,
            iteration: 0, policyVersion: 0, createdAt: 1.5)
        let rollout = try Rollout(
            promptID: "p", groupID: "p@0", sampleIndex: 1, promptTokens: [7, 8, 9],
            responseTokens: [3, 14, 1, 5, 9, 2, 6, 5, 3, 5], logProbs: [-0.5, -1.25, -2, -0.25, -1, -1, -1, -1, -1, -1],
            reward: 1, stopReason: .eos, temperature: 0.6)
        return Message(envelope: envelope, body: .rollout(rollout))
    }

    func testPublisherKnowsWhetherAnyoneListensAndSubscriptionsEndWithTheSubscriber() throws {
        let spec = try spec()
        let tap = try TapPublisher(spec: spec, participant: .stage(.partition), replica: 0, context: context)
        XCTAssertEqual(tap.endpoint.bind, "ipc://\(directory.path)/run/sockets/tap.partition.0")
        tap.refresh()
        XCTAssertFalse(tap.isListenedTo)
        XCTAssertFalse(tap.wants(.rollouts, side: .received))

        var subscriber: ZMQSocket? = try ZMQSocket(context: context, type: .sub)
        try subscriber!.subscribe(TapEndpoint.tapPrefix(edge: .rollouts, side: .received))
        try subscriber!.connect(tap.endpoint.connect)
        waitFor(tap) { tap.wants(.rollouts, side: .received) }
        XCTAssertFalse(tap.wants(.rollouts, side: .sent))
        XCTAssertFalse(tap.wants(.segmented, side: .sent))

        tap.publish(.rollouts, side: .received, frames: [Data([1, 2, 3])])
        tap.publish(.segmented, side: .sent, frames: [Data([4])])  // not subscribed: not sent
        tap.publish(.rollouts, side: .received, frames: [Data([5, 6])])
        XCTAssertEqual(try subscriber!.receiveFrames(timeout: .seconds(5)),
                       [Data("rollouts/received/partition.0".utf8), Data([1, 2, 3])])
        XCTAssertEqual(try subscriber!.receiveFrames(timeout: .seconds(5)),
                       [Data("rollouts/received/partition.0".utf8), Data([5, 6])])
        XCTAssertEqual(tap.failedSends, 0)

        // Everything ("") and then nothing: the subscriber's disconnection unsubscribes.
        try subscriber!.subscribe("")
        waitFor(tap) { tap.wants(.segmented, side: .sent) }
        subscriber = nil
        waitFor(tap) { !tap.isListenedTo }
    }

    /// A tapped work queue still delivers every message to its consumer; the tap sees a
    /// copy of each (payload bytes unchanged), and of the sends of a `ReliableSender`.
    func testTappingAQueueTakesNothingFromIt() throws {
        let spec = try spec()
        let tap = try TapPublisher(spec: spec, participant: .stage(.partition), replica: 0, context: context)
        let pull = try ZMQSocket(context: context, type: .pull)
        try pull.bind("ipc://\(directory.path)/queue")
        let push = try ZMQSocket(context: context, type: .push)
        try push.connect("ipc://\(directory.path)/queue")
        let receiver = MessageReceiver(socket: pull, accepting: [.rollout]) { _ in }
        tap.tapReceived(receiver, on: .rollouts)
        let sender = ReliableSender(socket: push, ackTimeout: .seconds(10), maxAttempts: 2)
        let senderTap = try TapPublisher(spec: spec, participant: .stage(.generate), replica: 0, context: context)
        senderTap.tapSent(sender, on: .rollouts)

        let received = try ZMQSocket(context: context, type: .sub)
        try received.subscribe("rollouts/")
        try received.connect(tap.endpoint.connect)
        try received.connect(senderTap.endpoint.connect)
        waitFor(tap) { tap.isListenedTo }
        waitFor(senderTap) { senderTap.isListenedTo }

        let message = try rolloutMessage()
        let bytes = MessageCodec.encode(message)
        for _ in 0..<3 { try sender.send(message) }
        for _ in 0..<3 {
            let got = try XCTUnwrap(receiver.receive(timeout: .seconds(5)))
            XCTAssertEqual(got.message, message)
        }
        XCTAssertNil(try receiver.receive(timeout: .milliseconds(50)))
        var topics: [String: Int] = [:]
        for _ in 0..<6 {
            let frames = try XCTUnwrap(received.receiveFrames(timeout: .seconds(5)))
            XCTAssertEqual(frames.count, 2)
            XCTAssertEqual(frames[1], bytes)
            topics[String(decoding: frames[0], as: UTF8.self), default: 0] += 1
        }
        XCTAssertEqual(topics, ["rollouts/sent/generate.0": 3, "rollouts/received/partition.0": 3])
    }

    /// A rollout's line: tap fields, the envelope as sent, and summaries worked out by
    /// hand: response tokens [3, 14, 1, 5, 9, 2, 6, 5, 3, 5] have min 1, max 14, mean
    /// 53 / 10 = 5.3; log-probs sum to −0.5 − 1.25 − 2 − 0.25 − 6 = −10, mean −1.
    func testRendererSummarisesNumericArrays() throws {
        let payload = MessageCodec.encode(try rolloutMessage())
        let line = TapRenderer().line(topic: "rollouts/received/partition.0", payload: payload)
        XCTAssertFalse(line.contains("\n"))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(object["edge"] as? String, "rollouts")
        XCTAssertEqual(object["side"] as? String, "received")
        XCTAssertEqual(object["process"] as? String, "partition.0")
        XCTAssertEqual(object["bytes"] as? Int, payload.count)
        XCTAssertEqual(object["type"] as? String, "rollout")
        XCTAssertNil(object["error"])
        let message = try XCTUnwrap(object["message"] as? [String: Any])
        XCTAssertEqual(message["message_id"] as? String, "rollout/p@0/1")
        XCTAssertEqual(message["parent_ids"] as? [String], ["prompts/0/0"])
        XCTAssertEqual(message["created_at"] as? Double, 1.5)
        let body = try XCTUnwrap(message["body"] as? [String: Any])
        XCTAssertEqual(body["stop_reason"] as? String, "eos")
        let tokens = try XCTUnwrap(body["response_tokens"] as? [String: Any])
        XCTAssertEqual(tokens["dtype"] as? String, "i32")
        XCTAssertEqual(tokens["shape"] as? [Int], [10])
        XCTAssertEqual(tokens["first"] as? [Int], [3, 14, 1, 5, 9, 2, 6, 5])
        XCTAssertEqual(tokens["min"] as? Int, 1)
        XCTAssertEqual(tokens["max"] as? Int, 14)
        XCTAssertEqual(try XCTUnwrap(tokens["mean"] as? Double), 5.3, accuracy: 1e-12)
        let logProbs = try XCTUnwrap(body["log_probs"] as? [String: Any])
        XCTAssertEqual(logProbs["min"] as? Double, -2)
        XCTAssertEqual(logProbs["max"] as? Double, -0.25)
        XCTAssertEqual(logProbs["mean"] as? Double, -1)

        let full = try XCTUnwrap(JSONSerialization.jsonObject(
            with: Data(TapRenderer(full: true).line(topic: "rollouts/received/partition.0", payload: payload).utf8))
            as? [String: Any])
        let fullBody = try XCTUnwrap((full["message"] as? [String: Any])?["body"] as? [String: Any])
        XCTAssertEqual((fullBody["prompt_tokens"] as? [String: Any])?["values"] as? [Int], [7, 8, 9])
        XCTAssertEqual((fullBody["log_probs"] as? [String: Any])?["values"] as? [Double],
                       [-0.5, -1.25, -2, -0.25, -1, -1, -1, -1, -1, -1])
    }

    /// Bad payloads still give a line, with the receiver's reason; an empty array has no
    /// extremes; JSON has no NaN, so it is a string.
    func testRendererReportsBadPayloadsAndEdgeCases() throws {
        let garbage = try XCTUnwrap(JSONSerialization.jsonObject(
            with: Data(TapRenderer().line(topic: "rollouts/received/partition.0", payload: Data([0xc1])).utf8))
            as? [String: Any])
        XCTAssertTrue((garbage["error"] as? String)?.hasPrefix("malformed") == true, "\(garbage)")
        XCTAssertTrue(garbage["message"] is NSNull)

        var map = MessageCodec.messagePack(try rolloutMessage()).mapValue!
        map["version"] = .int(2)
        let line = TapRenderer().line(topic: "x", payload: MessagePackEncoder.encode(.map(map)))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(object["topic"] as? String, "x")
        XCTAssertTrue((object["error"] as? String)?.hasPrefix("unsupported_version") == true, "\(object)")
        XCTAssertEqual((object["message"] as? [String: Any])?["version"] as? Int, 2)

        XCTAssertEqual(TapRenderer().numeric(NumericArray([Float]())),
                       #"{"dtype":"f32","shape":[0],"first":[],"min":null,"max":null,"mean":null}"#)
        XCTAssertEqual(TapRenderer().numeric(NumericArray([Float.nan, 1])),
                       #"{"dtype":"f32","shape":[2],"first":["NaN",1.0],"min":"NaN","max":"NaN","mean":"NaN"}"#)
        XCTAssertEqual(JSONText.string("a\"b\\c\n\u{1}é"), #""a\"b\\c\n\u0001é""#)
    }
}
