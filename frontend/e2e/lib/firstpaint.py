#!/usr/bin/env python3
"""Watches an X display's root window for the Mailscope window to appear and
its page to paint, polling with XGetImage about every 10 ms (ctypes + libX11, no
extra packages). Used by bench-startup.mjs for the cold-start figure.

Prints "ready" once connected, then one line per milestone:
  mapped <unix-ms>    the window's background colour covers part of the screen
  painted <unix-ms>   the window shows the page (many distinct colours: text, icons)
and exits after "painted" or after the timeout (seconds, argv[2])."""

import array
import ctypes
import ctypes.util
import sys
import time

display_name = sys.argv[1].encode()
timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
bg = int(sys.argv[3], 16) if len(sys.argv) > 3 else 0xF7F7F4

x = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
x.XDefaultRootWindow.restype = ctypes.c_ulong
x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
x.XGetImage.restype = ctypes.c_void_p
x.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                        ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
x.XDisplayWidth.argtypes = [ctypes.c_void_p, ctypes.c_int]
x.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
x.XDestroyImage = None


class XImage(ctypes.Structure):
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("xoffset", ctypes.c_int),
                ("format", ctypes.c_int), ("data", ctypes.POINTER(ctypes.c_uint32)),
                ("byte_order", ctypes.c_int), ("bitmap_unit", ctypes.c_int),
                ("bitmap_bit_order", ctypes.c_int), ("bitmap_pad", ctypes.c_int),
                ("depth", ctypes.c_int), ("bytes_per_line", ctypes.c_int),
                ("bits_per_pixel", ctypes.c_int)]


dpy = x.XOpenDisplay(display_name)
if not dpy:
    print("error cannot open display", flush=True)
    sys.exit(2)
root = x.XDefaultRootWindow(dpy)
W, H = x.XDisplayWidth(dpy, 0), x.XDisplayHeight(dpy, 0)
ZPixmap, AllPlanes = 2, 0xFFFFFFFF
libc = ctypes.CDLL(None)
print("ready", flush=True)

mapped = False
end = time.time() + timeout
step = 8  # sample every 8th pixel of every 8th row
while time.time() < end:
    t = time.time()
    img_p = x.XGetImage(dpy, root, 0, 0, W, H, AllPlanes, ZPixmap)
    if not img_p:
        time.sleep(0.002)
        continue
    img = XImage.from_address(img_p)
    stride = img.bytes_per_line // 4
    # One copy of the pixels, then strided slices (done in C): a sample
    # costs a few ms, so the watcher neither misses paints by much nor
    # takes the CPU the app is starting on.
    pixels = array.array("I", ctypes.string_at(img.data, img.bytes_per_line * img.height))
    colours = set()
    bg_count = 0
    total = 0
    for yy in range(0, H, step):
        row = pixels[yy * stride: yy * stride + W: step]  # depth 24: the top byte is 0
        total += len(row)
        bg_count += row.count(bg)
        colours.update(row)
    data = img.data
    libc.free(ctypes.cast(data, ctypes.c_void_p))
    libc.free(ctypes.c_void_p(img_p))
    if not mapped and bg_count > total * 0.05:
        mapped = True
        print("mapped %.1f" % (t * 1000), flush=True)
    if mapped and len(colours) > 40:
        print("painted %.1f" % (t * 1000), flush=True)
        break
    # ≈ 5 ms per sample + this pause: ≈ 10 ms resolution at half a core.
    time.sleep(0.004)
