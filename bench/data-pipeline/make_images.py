"""Makes the benchmark's JPEG files from Tux Paint's stamp images (Debian tuxpaint-stamps-default).

Each stamp PNG is composited on white (stamps are cut-outs with an alpha channel), resized with
PIL's bicubic filter so that its longer side is a size in [256, 512] drawn from a generator seeded
by the file's name, and saved as a baseline JPEG (quality 90, 4:2:0). Deterministic: the same
package gives the same files. Usage: make_images.py SRC_DIR OUT_DIR [MIN_COUNT]
"""
import hashlib
import os
import random
import sys

from PIL import Image


def main():
    src, out = sys.argv[1], sys.argv[2]
    min_count = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    os.makedirs(out, exist_ok=True)
    pngs = sorted(
        os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs if f.lower().endswith(".png")
    )
    made = 0
    for path in pngs:
        rel = os.path.relpath(path, src)
        name = rel.replace(os.sep, "_")[:-4] + ".jpg"
        dst = os.path.join(out, name)
        if os.path.exists(dst):
            made += 1
            continue
        try:
            im = Image.open(path)
            im.load()
        except Exception as e:  # a broken stamp: skip it
            print(f"skip {rel}: {e}", file=sys.stderr)
            continue
        rgba = im.convert("RGBA")
        if min(rgba.size) < 16:
            continue
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        rgb = Image.alpha_composite(white, rgba).convert("RGB")
        rnd = random.Random(int(hashlib.sha1(rel.encode()).hexdigest()[:8], 16))
        longer = rnd.randint(256, 512)
        w, h = rgb.size
        if w >= h:
            size = (longer, max(256, round(h * longer / w)))
        else:
            size = (max(256, round(w * longer / h)), longer)
        size = (min(size[0], 512), min(size[1], 512))
        rgb = rgb.resize(size, Image.BICUBIC)
        tmp = dst + ".tmp"
        rgb.save(tmp, "JPEG", quality=90)
        os.replace(tmp, dst)
        made += 1
    if made < min_count:
        sys.exit(f"only {made} images from {src} (need {min_count})")
    print(made)


if __name__ == "__main__":
    main()
