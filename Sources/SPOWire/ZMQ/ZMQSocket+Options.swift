import CZMQ

extension ZMQSocket {
    /// Most messages queued for sending per peer before a send blocks or drops
    /// (`ZMQ_SNDHWM`; libzmq's default is 1000; 0 means no limit).
    public func setSendHighWaterMark(_ messages: Int) throws(ZMQError) {
        try setOption(ZMQ_SNDHWM, Int32(clamping: messages), "ZMQ_SNDHWM")
    }

    /// Most messages queued on receipt per peer (`ZMQ_RCVHWM`; 0 means no limit).
    public func setReceiveHighWaterMark(_ messages: Int) throws(ZMQError) {
        try setOption(ZMQ_RCVHWM, Int32(clamping: messages), "ZMQ_RCVHWM")
    }

    /// How long close keeps trying to deliver queued messages (`ZMQ_LINGER`);
    /// nil waits forever, `.zero` discards them at once.
    public func setLinger(_ linger: Duration?) throws(ZMQError) {
        try setOption(ZMQ_LINGER, linger?.roundedUpMilliseconds ?? -1, "ZMQ_LINGER")
    }

    /// Largest inbound message accepted (`ZMQ_MAXMSGSIZE`); a peer that sends a bigger
    /// one is disconnected by libzmq (tcp and ipc; inproc is not checked). nil: no limit.
    public func setMaxMessageSize(_ bytes: Int?) throws(ZMQError) {
        try setOption(ZMQ_MAXMSGSIZE, Int64(bytes ?? -1), "ZMQ_MAXMSGSIZE")
    }

    /// Default timeout of a send (`ZMQ_SNDTIMEO`); a send that times out throws a
    /// `ZMQError` with `isTimeout`. nil blocks until the message is queued.
    public func setSendTimeout(_ timeout: Duration?) throws(ZMQError) {
        try setOption(ZMQ_SNDTIMEO, timeout?.roundedUpMilliseconds ?? -1, "ZMQ_SNDTIMEO")
    }

    /// Subscribes a SUB socket to messages whose first frame starts with `prefix`
    /// ("" subscribes to everything).
    public func subscribe(_ prefix: String) throws(ZMQError) {
        try setBytesOption(ZMQ_SUBSCRIBE, Array(prefix.utf8), "ZMQ_SUBSCRIBE")
    }

    /// Removes a subscription made with `subscribe`.
    public func unsubscribe(_ prefix: String) throws(ZMQError) {
        try setBytesOption(ZMQ_UNSUBSCRIBE, Array(prefix.utf8), "ZMQ_UNSUBSCRIBE")
    }

    /// Sets `ZMQ_RCVTIMEO` unless it already has that value.
    func setReceiveTimeoutMilliseconds(_ milliseconds: Int32) throws(ZMQError) {
        guard milliseconds != receiveTimeoutMilliseconds else { return }
        try setOption(ZMQ_RCVTIMEO, milliseconds, "ZMQ_RCVTIMEO")
        receiveTimeoutMilliseconds = milliseconds
    }

    /// The current value of an option set above (milliseconds for times, -1 for
    /// "infinite" or "no limit"), read back from libzmq.
    func option(_ option: ZMQIntegerOption) throws(ZMQError) -> Int {
        let (code, is64Bit): (Int32, Bool) = switch option {
        case .sendHighWaterMark: (ZMQ_SNDHWM, false)
        case .receiveHighWaterMark: (ZMQ_RCVHWM, false)
        case .linger: (ZMQ_LINGER, false)
        case .sendTimeout: (ZMQ_SNDTIMEO, false)
        case .receiveTimeout: (ZMQ_RCVTIMEO, false)
        case .maxMessageSize: (ZMQ_MAXMSGSIZE, true)
        }
        var value: Int64 = 0
        var size = is64Bit ? MemoryLayout<Int64>.size : MemoryLayout<Int32>.size
        guard zmq_getsockopt(handle, code, &value, &size) == 0 else {
            throw ZMQError.last("getsockopt \(option)", endpointDescription)
        }
        return is64Bit ? Int(value) : Int(Int32(truncatingIfNeeded: value))
    }

    private func setOption(_ option: Int32, _ value: Int32, _ name: String) throws(ZMQError) {
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size) == 0 else {
            throw ZMQError.last("setsockopt \(name)=\(value)", endpointDescription)
        }
    }

    private func setOption(_ option: Int32, _ value: Int64, _ name: String) throws(ZMQError) {
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int64>.size) == 0 else {
            throw ZMQError.last("setsockopt \(name)=\(value)", endpointDescription)
        }
    }

    private func setBytesOption(_ option: Int32, _ bytes: [UInt8], _ name: String) throws(ZMQError) {
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        guard rc == 0 else { throw ZMQError.last("setsockopt \(name)", endpointDescription) }
    }
}

/// Integer socket options that `ZMQSocket.option(_:)` reads back.
enum ZMQIntegerOption {
    case sendHighWaterMark, receiveHighWaterMark, linger, sendTimeout, receiveTimeout, maxMessageSize
}
