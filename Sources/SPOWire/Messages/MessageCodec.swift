import Foundation

/// Encodes and decodes protocol messages: one MessagePack map per message (docs/protocol.md).
///
///     {"protocol": "spo", "version": 1, "type": <id>, "run_id": ..., "message_id": ...,
///      "parent_ids": [...], "stage": ..., "replica": ..., "iteration": ...,
///      "policy_version": ..., "created_at": <float64>, "body": {...}}
///
/// Decoding checks, in order: limits and MessagePack structure (`MessagePackDecoder`),
/// that the value is a map, protocol == "spo", version == 1, the type id is assigned
/// (and accepted, if `accepting` is given), then the envelope and body fields. Unknown keys
/// are ignored at every level. Every failure is a `WireDecodingError` with its reason.
public enum MessageCodec {
    /// The protocol name every message carries.
    public static let protocolName = "spo"
    /// The major version this build speaks. A receiver rejects any other.
    public static let majorVersion = 1

    /// The MessagePack bytes of `message`.
    public static func encode(_ message: Message) -> Data {
        MessagePackEncoder.encode(messagePack(message))
    }

    /// The wire map of `message`, keys in protocol order.
    public static func messagePack(_ message: Message) -> MessagePackValue {
        var map: MessagePackMap = [
            "protocol": .string(protocolName), "version": .int(Int64(majorVersion)),
            "type": .int(Int64(message.type.rawValue)),
        ]
        message.envelope.write(into: &map)
        map["body"] = .map(message.body.wireMap)
        return .map(map)
    }

    /// The message in `bytes`; `accepting` (if given) lists the types the caller takes.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, limits: MessagePackLimits = .default,
        accepting: Set<MessageType>? = nil
    ) throws(WireDecodingError) -> Message {
        try message(from: MessagePackDecoder.decode(bytes, limits: limits), accepting: accepting)
    }

    /// The message in `bytes`, with large arrays viewing `bytes` through `owner`
    /// (see `MessagePackDecoder.decode(_:limits:sharing:)`).
    static func decode(
        _ bytes: UnsafeRawBufferPointer, limits: MessagePackLimits, accepting: Set<MessageType>?,
        sharing owner: (any AnyObject & Sendable)?
    ) throws(WireDecodingError) -> Message {
        try message(from: MessagePackDecoder.decode(bytes, limits: limits, sharing: owner), accepting: accepting)
    }

    /// The message in `data`.
    public static func decode(
        _ data: Data, limits: MessagePackLimits = .default, accepting: Set<MessageType>? = nil
    ) throws(WireDecodingError) -> Message {
        try message(from: MessagePackDecoder.decode(data, limits: limits), accepting: accepting)
    }

    /// The message a decoded MessagePack value holds.
    public static func message(from value: MessagePackValue, accepting: Set<MessageType>? = nil) throws(WireDecodingError) -> Message {
        guard case .map(let map) = value else {
            throw WireDecodingError(.malformed, "message is a MessagePack \(value.kindName), expected a map")
        }
        guard case .string(let name)? = map["protocol"] else {
            throw WireDecodingError(.wrongProtocol, "no string \"protocol\" key: not an SPO message")
        }
        guard name == protocolName else {
            throw WireDecodingError(.wrongProtocol, "protocol \"\(name)\", expected \"\(protocolName)\"")
        }
        guard let version = map["version"]?.intValue else {
            throw WireDecodingError(.unsupportedVersion, "no integer \"version\" key")
        }
        guard version == majorVersion else {
            throw WireDecodingError(
                .unsupportedVersion,
                "protocol major version \(version); this build speaks version \(majorVersion) only: run stages built for the same version")
        }
        guard let id = map["type"]?.intValue else {
            throw WireDecodingError(.invalidField, "type: missing or not an integer")
        }
        guard let type = MessageType(rawValue: id) else {
            throw WireDecodingError(.unknownType, "type id \(id) is not assigned in protocol version \(majorVersion)")
        }
        if let accepting, !accepting.contains(type) {
            let names = accepting.sorted { $0.rawValue < $1.rawValue }.map(\.name).joined(separator: ", ")
            throw WireDecodingError(.unexpectedType, "\(type) is not accepted here (accepted: \(names))")
        }
        let fields = WireFields(map: map)
        do {
            let envelope = try Envelope(fields: fields)
            let body: MessageBody
            do {
                body = try MessageBody(type: type, fields: fields.fields("body"))
            } catch {
                throw error.field == "body" ? error : error.nested(under: "body")
            }
            return Message(envelope: envelope, body: body)
        } catch {
            throw WireDecodingError(.invalidField, "\(type.name) \(error)")
        }
    }
}
