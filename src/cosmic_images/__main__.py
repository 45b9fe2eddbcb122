from cosmic_images.cli import main

main()
