/// A message body: read from and written to its wire map.
protocol WireBody: Sendable, Equatable {
    /// Reads the body's keys (unknown keys ignored) and checks its invariants.
    init(fields: WireFields) throws(WireValidationError)
    /// The body's keys, in protocol order.
    var wireMap: MessagePackMap { get }
}

extension WireBody {
    /// Reads a nested body stored under `key`, prefixing errors with the key.
    static func nested(_ key: String, in fields: WireFields) throws(WireValidationError) -> Self {
        do {
            return try Self(fields: fields.fields(key))
        } catch {
            throw error.field == key ? error : error.nested(under: key)
        }
    }
}
