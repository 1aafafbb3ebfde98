internal import CSampler
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Turns code addresses into function names, off the signal path, caching each address's name.
///
/// Symbols come from elfutils' libdwfl (the full ELF `.symtab` of each mapped file when it has
/// one, so non-exported Swift functions are named too; `.dynsym` otherwise, which covers libuv's
/// and libc's exported functions); Swift names are demangled by the Swift runtime's own
/// `swift_demangle` and shortened by `NameSimplifier` (labels kept, types dropped). An address in a known file without a symbol becomes `file+0xoffset`;
/// only an address outside every mapped file becomes `?`.
public final class Symbolizer: Sendable, SymbolNaming {
    /// The process-wide symbolizer (its cache lives as long as the process).
    public static let shared = Symbolizer()

    private let cache = Mutex<[UInt: String]>([:])

    public init() {}

    /// Return addresses point after the call; looking up the byte before keeps a call at the end
    /// of a function (a `noreturn` call, a tail) inside the caller.
    static func lookupAddress(_ address: UInt, isReturnAddress: Bool) -> UInt {
        isReturnAddress && address > 0 ? address - 1 : address
    }

    /// Names for `addresses` (each looked up as is).
    public func names(for addresses: [UInt]) -> [UInt: String] {
        cache.withLock { cache in
            let missing = addresses.filter { cache[$0] == nil }
            if !missing.isEmpty {
                let table = sampler_symbols_open()
                defer { sampler_symbols_close(table) }
                for address in missing { cache[address] = Self.resolve(address, in: table) }
            }
            var result: [UInt: String] = [:]
            result.reserveCapacity(addresses.count)
            for address in addresses { result[address] = cache[address] }
            return result
        }
    }

    /// The name of one address.
    public func name(for address: UInt) -> String { names(for: [address])[address] ?? "?" }

    /// Drops the file discriminator of private declarations: `(f in _5B73…ED0D)` reads as `f`.
    static func readable(_ demangled: String) -> String {
        guard demangled.contains(" in _") else { return demangled }
        return demangled.replacing(/\(([^()]+) in _[0-9A-F]{32}\)/) { String($0.output.1) }
    }

    static func resolve(_ address: UInt, in table: OpaquePointer?) -> String {
        guard let table else { return "?" }
        var symbol: UnsafePointer<CChar>?
        var module: UnsafePointer<CChar>?
        var offset: UInt = 0
        let found = sampler_symbols_lookup(table, address, &symbol, &module, &offset)
        if found == 1, let symbol {
            if let demangled = sampler_swift_demangle(symbol) {
                defer { free(demangled) }
                return NameSimplifier.simplify(readable(String(cString: demangled)))
            }
            if let demangled = sampler_cxx_demangle(symbol) {
                defer { free(demangled) }
                return String(cString: demangled)
            }
            return String(cString: symbol)
        }
        if found == 0, let module { return "\(String(cString: module))+0x\(String(offset, radix: 16))" }
        return "?"
    }
}

/// Anything that names code addresses (this process's symbolizer, or another process's).
public protocol SymbolNaming {
    func names(for addresses: [UInt]) -> [UInt: String]
}
