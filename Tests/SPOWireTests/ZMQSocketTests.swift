import Foundation
import XCTest
@testable import SPOWire

final class ZMQSocketTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var context: ZMQContext!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory("ZMQSocketTests")
        context = try ZMQContext()
    }

    override func tearDown() {
        context = nil
        directory.remove()
    }

    private func pushPull(_ name: String) throws -> (ZMQSocket, ZMQSocket) {
        let pull = try ZMQSocket(context: context, type: .pull)
        try pull.bind(directory.endpoint(name))
        let push = try ZMQSocket(context: context, type: .push)
        try push.connect(directory.endpoint(name))
        return (push, pull)
    }

    func testPushPullSingleAndMultipartFrames() throws {
        let (push, pull) = try pushPull("a")
        try push.send(Data("hello".utf8))
        XCTAssertEqual(try pull.receive(timeout: .seconds(5)), Data("hello".utf8))
        try push.send(frames: [Data("topic".utf8), Data(), Data([0, 1, 2])])
        XCTAssertEqual(try pull.receiveFrames(timeout: .seconds(5)), [Data("topic".utf8), Data(), Data([0, 1, 2])])
    }

    func testReceiveTimesOutWithNil() throws {
        let (_, pull) = try pushPull("idle")
        let start = ContinuousClock.now
        XCTAssertNil(try pull.receive(timeout: .milliseconds(50)))
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - start, .milliseconds(50))
        XCTAssertNil(try pull.receive(timeout: .zero))
        XCTAssertEqual(try pull.option(.receiveTimeout), 0)
    }

    func testExtraFramesAreDiscardedAndCounted() throws {
        let (push, pull) = try pushPull("frames")
        try push.send(frames: (0..<6).map { Data([UInt8($0)]) })
        let result = try pull.withReceivedFrames(timeout: .seconds(5), maxFrames: 2) { received in
            (received.frames.map { Array($0) }, received.discardedFrameCount)
        }
        XCTAssertEqual(result?.0, [[0], [1]])
        XCTAssertEqual(result?.1, 4)
        try push.send(Data([9]))
        XCTAssertEqual(try pull.receive(timeout: .seconds(5)), Data([9]), "the next message starts cleanly")
    }

    func testLargeFrameRoundTrips() throws {
        let (push, pull) = try pushPull("large")
        let payload = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try push.send(payload)
        XCTAssertEqual(try pull.receive(timeout: .seconds(10)), payload)
    }

    func testOptionsAreSet() throws {
        let socket = try ZMQSocket(context: context, type: .pull)
        XCTAssertEqual(try socket.option(.linger), 2000, "default linger")
        try socket.setSendHighWaterMark(17)
        try socket.setReceiveHighWaterMark(23)
        try socket.setLinger(nil)
        try socket.setMaxMessageSize(4096)
        try socket.setSendTimeout(.milliseconds(250))
        XCTAssertEqual(try socket.option(.sendHighWaterMark), 17)
        XCTAssertEqual(try socket.option(.receiveHighWaterMark), 23)
        XCTAssertEqual(try socket.option(.linger), -1)
        XCTAssertEqual(try socket.option(.maxMessageSize), 4096)
        XCTAssertEqual(try socket.option(.sendTimeout), 250)
        try socket.setMaxMessageSize(nil)
        XCTAssertEqual(try socket.option(.maxMessageSize), -1)
    }

    func testMaxMessageSizeDropsOversizedFramesAndTrafficResumes() throws {
        let pull = try ZMQSocket(context: context, type: .pull)
        try pull.setMaxMessageSize(1000)
        try pull.bind(directory.endpoint("max"))
        let push = try ZMQSocket(context: context, type: .push)
        try push.connect(directory.endpoint("max"))
        try push.send(Data(count: 5000))
        XCTAssertNil(try pull.receive(timeout: .milliseconds(300)), "libzmq drops the connection carrying it")
        var received: Data?
        for attempt in 0..<50 where received == nil {
            try push.send(Data([UInt8(attempt)]))
            received = try pull.receive(timeout: .milliseconds(200))
        }
        XCTAssertNotNil(received, "the PUSH side reconnects and small messages flow again")
    }

    func testSendTimeoutThrowsATimeoutError() throws {
        let push = try ZMQSocket(context: context, type: .push)
        try push.setSendTimeout(.milliseconds(20))
        try push.setLinger(.zero)
        try push.bind(directory.endpoint("nobody"))
        XCTAssertThrowsError(try push.send(Data([1])), "no peer: the message cannot be queued") { error in
            let error = error as! ZMQError
            XCTAssertTrue(error.isTimeout, "\(error)")
            XCTAssertTrue(error.description.contains("PUSH socket bound to ipc://"), error.description)
        }
    }

    func testPublishSubscribeFiltersByTopicPrefix() throws {
        let publisher = try ZMQSocket(context: context, type: .pub)
        try publisher.bind("inproc://pubsub")
        let subscriber = try ZMQSocket(context: context, type: .sub)
        try subscriber.subscribe("weights")
        try subscriber.connect("inproc://pubsub")
        var received: [Data]?
        for _ in 0..<100 where received == nil {
            try publisher.send(frames: [Data("control".utf8), Data([1])])
            try publisher.send(frames: [Data("weights_chunk".utf8), Data([2])])
            received = try subscriber.receiveFrames(timeout: .milliseconds(20))
        }
        XCTAssertEqual(received, [Data("weights_chunk".utf8), Data([2])])
        try subscriber.unsubscribe("weights")
    }

    func testRequestReplyAndRouterDealer() throws {
        let reply = try ZMQSocket(context: context, type: .rep)
        try reply.bind("inproc://reqrep")
        let request = try ZMQSocket(context: context, type: .req)
        try request.connect("inproc://reqrep")
        try request.send(Data("ping".utf8))
        XCTAssertEqual(try reply.receive(timeout: .seconds(5)), Data("ping".utf8))
        try reply.send(Data("pong".utf8))
        XCTAssertEqual(try request.receive(timeout: .seconds(5)), Data("pong".utf8))

        let router = try ZMQSocket(context: context, type: .router)
        try router.bind("inproc://routed")
        let dealer = try ZMQSocket(context: context, type: .dealer)
        try dealer.connect("inproc://routed")
        try dealer.send(Data("work".utf8))
        let frames = try XCTUnwrap(try router.receiveFrames(timeout: .seconds(5)))
        XCTAssertEqual(frames.count, 2, "identity then payload")
        XCTAssertEqual(frames.last, Data("work".utf8))
        try router.send(frames: [frames[0], Data("done".utf8)])
        XCTAssertEqual(try dealer.receive(timeout: .seconds(5)), Data("done".utf8))

        let left = try ZMQSocket(context: context, type: .pair)
        try left.bind("inproc://pair")
        let right = try ZMQSocket(context: context, type: .pair)
        try right.connect("inproc://pair")
        try right.send(Data([7]))
        XCTAssertEqual(try left.receive(timeout: .seconds(5)), Data([7]))
    }

    func testTcpWildcardBindResolvesThePortAndUnbindFreesIt() throws {
        let pull = try ZMQSocket(context: context, type: .pull)
        let endpoint = try pull.bind("tcp://127.0.0.1:*")
        XCTAssertTrue(endpoint.hasPrefix("tcp://127.0.0.1:"), endpoint)
        XCTAssertNotEqual(endpoint, "tcp://127.0.0.1:*")
        let push = try ZMQSocket(context: context, type: .push)
        try push.connect(endpoint)
        try push.send(Data([42]))
        XCTAssertEqual(try pull.receive(timeout: .seconds(5)), Data([42]))
        try push.disconnect(endpoint)
        XCTAssertEqual(push.connectedEndpoints, [])
        try pull.unbind(endpoint)
        XCTAssertEqual(pull.boundEndpoints, [])
    }

    func testErrorsNameTheOperationAndEndpoint() throws {
        let socket = try ZMQSocket(context: context, type: .pull)
        XCTAssertThrowsError(try socket.bind("bogus://nowhere")) { error in
            let error = error as! ZMQError
            XCTAssertEqual(error.operation, "bind")
            XCTAssertTrue(error.description.contains("bogus://nowhere"), error.description)
            XCTAssertTrue(error.description.contains("errno \(error.code)"), error.description)
        }
        let other = try ZMQSocket(context: context, type: .pull)
        try other.bind(directory.endpoint("taken"))
        let endpoint = "tcp://127.0.0.1:*"
        let first = try socket.bind(endpoint)
        XCTAssertThrowsError(try other.bind(first)) { error in
            XCTAssertEqual((error as! ZMQError).message, "Address already in use")
        }
    }

    func testSocketKeepsItsContextAlive() throws {
        let socket = try ZMQSocket(context: ZMQContext(), type: .pair)
        try socket.bind("inproc://alive")
        let peer = try ZMQSocket(context: socket.context, type: .pair)
        try peer.connect("inproc://alive")
        try peer.send(Data([1]))
        XCTAssertEqual(try socket.receive(timeout: .seconds(5)), Data([1]))
    }

    func testPollerReportsWhichSocketIsReadable() throws {
        let (pushA, pullA) = try pushPull("pollA")
        let (pushB, pullB) = try pushPull("pollB")
        var poller = ZMQPoller()
        XCTAssertEqual(poller.add(pullA), 0)
        XCTAssertEqual(poller.add(pullB), 1)
        XCTAssertEqual(try poller.poll(timeout: .milliseconds(20)), [[], []])
        try pushB.send(Data([2]))
        var events = try poller.poll(timeout: .seconds(5))
        XCTAssertEqual(events, [[], .readable])
        _ = try pullB.receive(timeout: .seconds(1))
        try pushA.send(Data([1]))
        events = try poller.poll(timeout: .seconds(5))
        XCTAssertEqual(events, [.readable, []])
        withExtendedLifetime((pushA, pushB)) {}
    }

    func testDurationRoundsUpToMilliseconds() {
        XCTAssertEqual(Duration.zero.roundedUpMilliseconds, 0)
        XCTAssertEqual(Duration.milliseconds(-5).roundedUpMilliseconds, 0)
        XCTAssertEqual(Duration.microseconds(1).roundedUpMilliseconds, 1)
        XCTAssertEqual(Duration.milliseconds(1500).roundedUpMilliseconds, 1500)
        XCTAssertEqual(Duration.seconds(Int64.max).roundedUpMilliseconds, Int32.max)
    }
}
