/* Writes a small YCCK JPEG (Adobe APP14 transform 2), the layout Photoshop uses for CMYK JPEGs and one Pillow
 * cannot write. Used by make_image_fixtures.py (built with: gcc write_ycck_jpeg.c -ljpeg).
 * Usage: write_ycck_jpeg OUT.jpg W H < cmyk-bytes (W*H*4, C M Y K per pixel, Adobe-inverted as stored). */
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    int w = atoi(argv[2]), h = atoi(argv[3]);
    unsigned char *px = malloc((size_t) w * h * 4);
    if (fread(px, 4, (size_t) w * h, stdin) != (size_t) w * h) return 3;
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    FILE *out = fopen(argv[1], "wb");
    if (!out) return 4;
    jpeg_stdio_dest(&c, out);
    c.image_width = w;
    c.image_height = h;
    c.input_components = 4;
    c.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&c);
    jpeg_set_colorspace(&c, JCS_YCCK); /* writes the Adobe marker with transform 2 */
    jpeg_set_quality(&c, 95, TRUE);
    jpeg_start_compress(&c, TRUE);
    for (int y = 0; y < h; y++) {
        JSAMPROW row = px + (size_t) y * w * 4;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    fclose(out);
    jpeg_destroy_compress(&c);
    free(px);
    return 0;
}
