import CSpawn

/// The heap's freed pages, which glibc keeps in its arenas for the next allocation.
public enum HeapPages {
  /// Returns the freed pages of every arena to the kernel (`malloc_trim`): for a long-lived process after a burst.
  public static func handBack() { _ = malloc_trim(0) }
}
