import CZMQ
import Foundation

/// Readiness conditions for `ZMQPoller` (`ZMQ_POLLIN`, `ZMQ_POLLOUT`).
public struct ZMQPollEvents: OptionSet, Sendable {
    /// The raw `short` event mask.
    public let rawValue: Int16
    /// Memberwise initialiser.
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// A message can be received without blocking.
    public static let readable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// A message can be sent without blocking.
    public static let writable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLOUT))
}

/// Waits on several sockets at once (`zmq_poll`), the heart of a stage's loop:
/// work in, control in, with a timeout so the loop can send heartbeats and re-sends.
/// Holds its sockets, so it belongs to the one thread that uses them.
public struct ZMQPoller {
    private var sockets: [ZMQSocket] = []
    private var events: [ZMQPollEvents] = []

    /// An empty poller.
    public init() {}

    /// Adds `socket`, watched for `events`; returns its index in `poll`'s result.
    @discardableResult
    public mutating func add(_ socket: ZMQSocket, events: ZMQPollEvents = .readable) -> Int {
        sockets.append(socket)
        self.events.append(events)
        return sockets.count - 1
    }

    /// Waits until some socket is ready or `timeout` passes, and returns what each socket
    /// (in the order added) is ready for; all empty on timeout. EINTR is retried with the
    /// time that remains.
    public func poll(timeout: Duration) throws(ZMQError) -> [ZMQPollEvents] {
        var items = zip(sockets, events).map { socket, events in
            zmq_pollitem_t(socket: socket.handle, fd: 0, events: events.rawValue, revents: 0)
        }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            let milliseconds = Int((deadline - .now).roundedUpMilliseconds)
            let rc = zmq_poll(&items, Int32(items.count), milliseconds)
            if rc > 0 || (rc == 0 && ContinuousClock.now >= deadline) {
                return items.map { ZMQPollEvents(rawValue: $0.revents) }
            }
            if rc == 0 { continue }  // libzmq's timer fired a little early: wait out the rest
            let code = zmq_errno()
            if code == EINTR { continue }
            throw ZMQError(operation: "zmq_poll", endpoint: sockets.map(\.endpointDescription)
                .joined(separator: "; "), code: code)
        }
    }
}
