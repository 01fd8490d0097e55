import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Notices changes in the content folder by polling: a fingerprint of every file's path, size,
/// modification time (nanoseconds) and inode. Polling works on every file system and platform,
/// needs no watch descriptors, and a content folder is small; an inode change catches editors
/// that save by renaming a new file over the old one.
///
/// Hidden files and folders are left out, as the build leaves them out: an editor's swap files
/// do not trigger rebuilds.
public struct ContentWatcher: Sendable {
    /// One file's identity and version.
    public struct Entry: Sendable, Hashable {
        var path: String
        var size: Int64
        var seconds: Int
        var nanoseconds: Int
        var inode: UInt64
    }

    /// The folder watched.
    public var directory: URL

    /// Creates a watcher of `directory`.
    public init(directory: URL) {
        self.directory = directory
    }

    /// The current fingerprint: one entry per file, sorted; empty when the folder is missing.
    public func fingerprint() -> [Entry] {
        let root = directory.standardizedFileURL.resolvingSymlinksInPath()
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles]) else {
            return []
        }
        var entries: [Entry] = []
        for case let url as URL in enumerator {
            var info = stat()
            guard stat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            entries.append(Entry(path: url.path, size: Int64(info.st_size), seconds: info.st_mtim.tv_sec,
                                 nanoseconds: info.st_mtim.tv_nsec, inode: UInt64(info.st_ino)))
        }
        return entries.sorted { $0.path < $1.path }
    }

    /// Waits until the fingerprint differs from `last` and then stays the same for `quiet`
    /// seconds (an editor saving several files, or writing one in pieces, gives one rebuild),
    /// polling every `interval` seconds. Returns the new fingerprint, or `nil` when `shouldStop`
    /// turns true first. A change that never settles is taken after `maxWait` seconds.
    public func waitForChange(from last: [Entry], interval: TimeInterval, quiet: TimeInterval, maxWait: TimeInterval = 2,
                              shouldStop: () -> Bool) -> [Entry]? {
        var current = last
        while current == last {
            if shouldStop() { return nil }
            Thread.sleep(forTimeInterval: interval)
            current = fingerprint()
        }
        let changed = Date()
        var stableSince = Date()
        while Date().timeIntervalSince(changed) < maxWait {
            if shouldStop() { return nil }
            if Date().timeIntervalSince(stableSince) >= quiet { break }
            Thread.sleep(forTimeInterval: min(interval, quiet))
            let next = fingerprint()
            if next != current {
                current = next
                stableSince = Date()
            }
        }
        return current
    }
}
