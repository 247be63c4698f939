# FFmpeg's libraries (Debian 12: FFmpeg 5.1, libavcodec 59.37), found through pkg-config. Video I/O (src/media/)
# demuxes, decodes, scales, encodes and muxes in-process with them; the product never runs the ffmpeg program.
# Defines the imported target PkgConfig::FFMPEG.
pkg_check_modules(FFMPEG REQUIRED IMPORTED_TARGET libavformat libavcodec libavutil libswscale libswresample)
