"""Payloads the peers send, in a module of its own (standard library only) so that the tests can
rebuild them and compare what a capture carries with what was sent, byte for byte."""


def pattern(n):
    """n bytes 0, 1, ... 250, 0, 1, ...: no run repeats within 251 bytes."""
    return bytes(i % 251 for i in range(n))
