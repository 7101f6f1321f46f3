"""What crosses the wire, and nothing else: request and response models (`models`), the errors
with their statuses (`errors`), timestamps (`timestamps`), cursors and page sizes (`pagination`),
JSON bytes (`encoding`) and every limit on a request (`limits`). The bottom layer: every other
package may import it, and it imports no other part of the emulator."""
