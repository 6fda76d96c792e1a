#!/usr/bin/python3
"""Reference decodes for vptlab's ImageDecoder: files whose colour handling Java's ImageIO gets wrong by default.

Regenerate with Debian's Pillow (python3-pil 9.4, python3-numpy; deterministic, byte-identical on re-run):

    /usr/bin/python3 lib/src/test/python/make_image_fixtures.py

Writes lib/src/test/resources/fixtures/images/ (relative to this file): for each case an image file and
``<file>.rgb``, the raw bytes (HWC, uint8) of Pillow's ``Image.open(file).convert("RGB")``, which is what the
torchvision/timm loaders of the upstream code feed their transforms.

Cases (Pillow's mode on opening in brackets):
  cmyk.jpg    CMYK JPEG as Pillow writes it (Adobe APP14 marker, transform 0) [CMYK]
  ycck.jpg    the same content as YCCK (Adobe transform 2), as Photoshop writes CMYK JPEGs; Pillow cannot
              write those, so write_ycck_jpeg.c (next to this script) does it with libjpeg
              (gcc and libjpeg62-turbo-dev) [CMYK]
  la.png      8-bit grey + alpha, alpha varying [LA]
  palette.png 8-bit palette with a tRNS chunk [P]
  grey16.png  16-bit grey spanning 0..65535, 40000 included [I]
"""

import os
import subprocess
import tempfile

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "fixtures", "images"))
W, H = 16, 12


def ramp(seed, lo=0, hi=256, dtype=np.uint8, channels=None):
    rng = np.random.default_rng(seed)
    shape = (H, W) if channels is None else (H, W, channels)
    return rng.integers(lo, hi, size=shape, dtype=np.int64).astype(dtype)


def write(name, img, **save):
    path = os.path.join(OUT, name)
    img.save(path, **save)
    back = Image.open(path)
    rgb = np.asarray(back.convert("RGB"), dtype=np.uint8)
    with open(path + ".rgb", "wb") as f:
        f.write(rgb.tobytes())
    print(f"{name}: opened as {back.mode} {back.size}, mean RGB {rgb.reshape(-1, 3).mean(axis=0).round(1)}")


def main():
    os.makedirs(OUT, exist_ok=True)
    # Smooth CMYK content (JPEG keeps it close), K included so that the K term matters.
    yy, xx = np.mgrid[0:H, 0:W]
    cmyk = np.stack([xx * 16, yy * 20, 255 - xx * 12, (xx + yy) * 9], axis=-1).clip(0, 255).astype(np.uint8)
    write("cmyk.jpg", Image.fromarray(cmyk, "CMYK"), quality=95)
    with tempfile.TemporaryDirectory() as tmp:
        tool = os.path.join(tmp, "write_ycck_jpeg")
        subprocess.run(["gcc", "-O1", "-o", tool, os.path.join(HERE, "write_ycck_jpeg.c"), "-ljpeg"], check=True)
        # stored as Adobe does (inverted), which is what Pillow's CMYK;I rawmode undoes
        subprocess.run([tool, os.path.join(tmp, "ycck.jpg"), str(W), str(H)], input=(255 - cmyk).tobytes(), check=True)
        with open(os.path.join(tmp, "ycck.jpg"), "rb") as f:
            data = f.read()
    with open(os.path.join(OUT, "ycck.jpg"), "wb") as f:
        f.write(data)
    rgb = np.asarray(Image.open(os.path.join(OUT, "ycck.jpg")).convert("RGB"), dtype=np.uint8)
    with open(os.path.join(OUT, "ycck.jpg.rgb"), "wb") as f:
        f.write(rgb.tobytes())
    print(f"ycck.jpg: Adobe transform {data[data.find(b'Adobe') + 11]}, mean RGB {rgb.reshape(-1, 3).mean(axis=0).round(1)}")

    la = np.stack([ramp(1), ramp(2)], axis=-1)
    la[0, 0] = (120, 0)  # the tester's case: L 120 under full transparency
    write("la.png", Image.fromarray(la, "LA"))

    p = Image.fromarray(ramp(3, 0, 8), "P")
    p.putpalette([v for i in range(8) for v in (i * 31, 255 - i * 29, (i * 97) % 256)])
    write("palette.png", p, transparency=bytes([0, 128, 255, 255, 255, 255, 255, 255]))

    g16 = ramp(4, 0, 65536, np.uint16)
    g16[0, :6] = (0, 1, 200, 255, 256, 40000)
    g16[1, :2] = (65535, 300)
    write("grey16.png", Image.fromarray(g16, "I;16"))


if __name__ == "__main__":
    main()
