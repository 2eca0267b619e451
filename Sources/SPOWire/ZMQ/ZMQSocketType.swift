import CZMQ

/// The ZeroMQ socket patterns this project uses.
///
/// Work queues are PUSH → PULL, broadcasts (weights, control) are PUB → SUB, taps are
/// XPUB → SUB; the others are here for request/reply and routed traffic.
public enum ZMQSocketType: Sendable, CaseIterable, CustomStringConvertible {
    /// Sends work round-robin to connected PULL sockets.
    case push
    /// Receives work fairly from connected PUSH sockets.
    case pull
    /// Broadcasts to SUB sockets, filtered by their subscriptions.
    case pub
    /// Receives what it subscribed to from PUB sockets.
    case sub
    /// A PUB socket that also receives its subscribers' (un)subscriptions, as messages
    /// `[1 or 0, prefix bytes…]`, so the publisher knows whether anyone listens.
    case xpub
    /// Exclusive two-way link between two sockets.
    case pair
    /// Asynchronous request side, load-balanced over peers.
    case dealer
    /// Asynchronous reply side: prefixes each received message with the peer's identity.
    case router
    /// Strict request/reply client.
    case req
    /// Strict request/reply server.
    case rep

    /// The libzmq constant (`ZMQ_PUSH`, ...).
    var rawValue: Int32 {
        switch self {
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        case .xpub: ZMQ_XPUB
        case .pair: ZMQ_PAIR
        case .dealer: ZMQ_DEALER
        case .router: ZMQ_ROUTER
        case .req: ZMQ_REQ
        case .rep: ZMQ_REP
        }
    }

    /// "PUSH", "PULL", ...
    public var description: String {
        switch self {
        case .push: "PUSH"
        case .pull: "PULL"
        case .pub: "PUB"
        case .sub: "SUB"
        case .xpub: "XPUB"
        case .pair: "PAIR"
        case .dealer: "DEALER"
        case .router: "ROUTER"
        case .req: "REQ"
        case .rep: "REP"
        }
    }
}
