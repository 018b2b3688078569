-- Dead code (#17): public.section_text (one section's text with its neighbours) has no caller:
-- the reader takes a reading's sections at once through public.reading_texts.
drop function public.section_text(uuid);
